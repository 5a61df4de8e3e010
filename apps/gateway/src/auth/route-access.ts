import type { FastifyRequest } from 'fastify';
import type { ApiKeyScope } from './api-keys';
import { CONSOLE_ASSETS } from '../console/console-static';

/** How a route answers errors: the native `{error: {code, message, details}}` or OpenAI's shape. */
export type ErrorShape = 'native' | 'openai';

/**
 * What a request needs: nothing (`open`), or a key with one scope (or with `orScope`, when given).
 * `basic`: the key may also come as the password of HTTP Basic, the one way a browser sends it.
 */
export type RouteAccess =
  | { open: true }
  | { open: false; scope: ApiKeyScope; orScope?: ApiKeyScope; basic?: true }
  /** Any valid key, whatever its scopes. */
  | { open: false; anyScope: true };

/** Where the queue dashboard (Bull Board) is mounted: its pages, assets and API, all `admin`. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The `admin` routes, `METHOD pattern` as the router registered them: those that change which
 * adapters run, and the list of every key's jobs (jobs do not record their key: a key that
 * infers may read a job whose id it was given, not browse the others').
 */
export const ADMIN_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/adapters',
  'DELETE /v1/adapters/:id',
  'GET /v1/jobs',
]);

/** The OpenAI-compatible surface: the first path segments after `/v1`. */
const OPENAI_ROOTS = new Set([
  'chat',
  'completions',
  'embeddings',
  'audio',
  'images',
  'models',
  'files',
  'batches',
  'responses',
  'conversations',
]);
const BATCH_ROOTS = new Set(['files', 'batches']);
const OPEN_ROOTS = new Set(['health', 'docs']);

/**
 * What a request needs, decided from the route the router matched (its pattern, as
 * `request.routeOptions.url` gives it: `/v1/adapters/:id`), never from the raw request target.
 * The router accepts spellings of a path that a second reading of the raw URL would not see
 * the same way (the absolute form `POST http://host/v1/adapters`, percent-encoding, and
 * whatever a router upgrade adds), so the route that runs and the scope it needs come from one
 * decision. No route matched: a key with the infer scope still (401 before 404).
 */
export function routeAccess(request: FastifyRequest): RouteAccess {
  const pattern = request.routeOptions.url;
  if (pattern === undefined) return { open: false, scope: 'infer' };
  const [first, second] = patternSegments(pattern);
  if (first !== undefined && OPEN_ROOTS.has(first)) return { open: true };
  // The web console's page and assets: the page asks for a key itself, and sends it on API calls.
  if (first === undefined || pattern === '/index.html' || first === CONSOLE_ASSETS) return { open: true };
  if (pattern === '/v1/whoami') return { open: false, anyScope: true };
  // Prometheus scrapes with a key that reads metrics and nothing else; an admin key reads them too.
  if (first === 'metrics' && second === undefined) return { open: false, scope: 'metrics', orScope: 'admin' };
  // Pages a person opens in a browser, which can send a key only as a login prompt's password.
  if (pattern === QUEUE_DASHBOARD_PATH || pattern.startsWith(`${QUEUE_DASHBOARD_PATH}/`))
    return { open: false, scope: 'admin', basic: true };
  if (ADMIN_ROUTES.has(`${request.method} ${pattern}`)) return { open: false, scope: 'admin' };
  if (first === 'v1' && second !== undefined && BATCH_ROOTS.has(second))
    return { open: false, scope: 'batch' };
  return { open: false, scope: 'infer' };
}

/**
 * The error shape of a request: OpenAI's on the OpenAI-compatible routes, the native one elsewhere.
 * From the matched route; when none matched (404, or a URL the router refused), from the path
 * the raw target names: only the look of an error depends on it.
 */
export function errorShapeOf(request: FastifyRequest): ErrorShape {
  const pattern = request.routeOptions.url;
  const [first, second] = pattern === undefined ? rawPathSegments(request.url) : patternSegments(pattern);
  return first === 'v1' && second !== undefined && OPENAI_ROOTS.has(second) ? 'openai' : 'native';
}

function patternSegments(pattern: string): string[] {
  return pattern.split('/').filter((s) => s !== '');
}

/** The path segments of a raw request target, origin-form or absolute-form, decoded and lower-cased. */
function rawPathSegments(url: string): string[] {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  const target = scheme ? url.slice(scheme[0].length) : url;
  const end = target.search(/[?#]/);
  return (end === -1 ? target : target.slice(0, end))
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s).toLowerCase();
      } catch {
        return s.toLowerCase();
      }
    });
}
