import type { ApiKeyScope } from './api-keys';

/** How a route answers errors: the native `{error: {code, message, details}}` or OpenAI's shape. */
export type ErrorShape = 'native' | 'openai';

/** What a request needs: nothing (`open`), or a key with one scope. */
export type RouteAccess = { open: true } | { open: false; scope: ApiKeyScope; shape: ErrorShape };

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
]);
const BATCH_ROOTS = new Set(['files', 'batches']);

/**
 * Decides from the method and raw URL alone, before routing: a path no route serves still needs
 * a key (401 before 404), so only `/health/*` and `/docs*` are open. Segments are decoded and
 * compared case-insensitively so no spelling of an admin path slips through with a weaker scope.
 */
export function routeAccess(method: string, url: string): RouteAccess {
  const segments = pathSegments(url);
  const [first, second, third] = segments;
  if (first === 'health' || first === 'docs') return { open: true };
  const shape = errorShapeOf(segments);
  if (first === 'v1' && second === 'adapters') {
    const m = method.toUpperCase();
    const admin = (m === 'POST' && third === undefined) || (m === 'DELETE' && third !== undefined);
    return { open: false, scope: admin ? 'admin' : 'infer', shape };
  }
  if (first === 'v1' && second !== undefined && BATCH_ROOTS.has(second)) {
    return { open: false, scope: 'batch', shape };
  }
  return { open: false, scope: 'infer', shape };
}

/** The error shape of a request URL. */
export function errorShapeOfUrl(url: string): ErrorShape {
  return errorShapeOf(pathSegments(url));
}

/** The error shape of a path: OpenAI's for the OpenAI-compatible routes, the native one elsewhere. */
export function errorShapeOf(segments: readonly string[]): ErrorShape {
  const [first, second] = segments;
  return first === 'v1' && second !== undefined && OPENAI_ROOTS.has(second) ? 'openai' : 'native';
}

function pathSegments(url: string): string[] {
  const query = url.search(/[?#]/);
  const path = query === -1 ? url : url.slice(0, query);
  return path
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
