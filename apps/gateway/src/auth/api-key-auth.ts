import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { replyWithError } from '../errors/error-reply';
import { GatewayError } from '../errors/gateway-error';
import type { RateCounter } from '../jobs/job-ports';
import type { ApiKeyRateLimit, ApiKeyring, ApiKeyScope } from './api-keys';
import { routeAccess } from './route-access';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the API key the request came with (never the key itself). */
    apiKeyName?: string;
    /** That key's scopes. */
    apiKeyScopes?: ApiKeyScope[];
  }
}

export interface ApiKeyAuthOptions {
  keyring: ApiKeyring;
  /** The job backend's counters, shared by every process on the same queue. */
  counter: RateCounter;
}

/**
 * The `onRequest` hook that checks `Authorization: Bearer <key>` (or, where the route takes it,
 * HTTP Basic with the key as the password), the route's scope and the key's rate limit before
 * any body is read. Not @fastify/rate-limit: limits here are per key and come
 * from API_KEYS, errors must be in each API's own shape (native or OpenAI), and the windows live
 * in the job backend's Redis connection (or memory for the inline driver), so this is one
 * MULTI per request rather than a second store to configure.
 */
export function apiKeyAuthHook(options: ApiKeyAuthOptions): onRequestAsyncHookHandler {
  const { keyring } = options;
  return async function apiKeyAuth(request: FastifyRequest, reply: FastifyReply) {
    const access = routeAccess(request);
    if (access.open) return;
    const { authorization } = request.headers;
    const basic = 'basic' in access && access.basic === true;
    const token = bearerToken(authorization) ?? (basic ? basicPassword(authorization) : undefined);
    const key = token === undefined ? undefined : keyring.find(token);
    if (!key) {
      const bearer =
        token === undefined ? 'Bearer realm="omnigate"' : 'Bearer realm="omnigate", error="invalid_token"';
      // Basic first: on it a browser asks for a user name and password (the key), and asks again
      // after a wrong one.
      void reply.header('www-authenticate', basic ? [BASIC_CHALLENGE, bearer] : bearer);
      const message =
        token !== undefined
          ? 'the API key is not valid'
          : basic
            ? 'this page needs an API key: send Authorization: Bearer <key>, or the key as the password of HTTP Basic'
            : 'this route needs an API key: send Authorization: Bearer <key>';
      return sendError(request, reply, new GatewayError('unauthorized', message));
    }
    request.apiKeyName = key.name;
    request.apiKeyScopes = key.scopes;
    // The request's log lines, its one line at the end included, carry the key's name.
    request.log = request.log.child({ apiKeyName: key.name });
    reply.log = request.log;
    if (!('anyScope' in access) && !grants(key.scopes, access.scope, access.orScope)) {
      const needed =
        access.orScope === undefined ? `"${access.scope}"` : `"${access.scope}" or "${access.orScope}"`;
      // The request's own line says it (403 forbidden) at info; the scope, at debug.
      request.log.debug({ scope: access.scope }, 'API key lacks the scope of this route');
      return sendError(
        request,
        reply,
        new GatewayError('forbidden', `the API key "${key.name}" does not have the ${needed} scope`, {
          scope: access.scope,
        }),
      );
    }
    if (key.rateLimit) return limitRate(options.counter, key.name, key.rateLimit, request, reply);
  };
}

async function limitRate(
  counter: RateCounter,
  keyName: string,
  limit: ApiKeyRateLimit,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  let window: { count: number; resetInMs: number };
  try {
    window = await counter.hit(keyName, limit.perSeconds * 1000);
  } catch (err) {
    // A fairness limit, not access control: when the store does not answer, let the request in.
    request.log.warn({ err }, 'rate counter unavailable; request not limited');
    return undefined;
  }
  const resetS = Math.max(1, Math.ceil(window.resetInMs / 1000));
  void reply
    .header('x-ratelimit-limit', String(limit.requests))
    .header('x-ratelimit-remaining', String(Math.max(0, limit.requests - window.count)))
    .header('x-ratelimit-reset', String(resetS));
  if (window.count <= limit.requests) return undefined;
  void reply.header('retry-after', String(resetS));
  // The request's own line says it (429 rate_limited) at info, once per request: the limit, at debug.
  request.log.debug({ limit }, 'API key over its rate limit');
  return sendError(
    request,
    reply,
    new GatewayError(
      'rate_limited',
      `the API key "${keyName}" is limited to ${limit.requests} requests per ${limit.perSeconds} s`,
      { retryAfterMs: window.resetInMs },
    ),
  );
}

function grants(
  scopes: readonly ApiKeyScope[],
  scope: ApiKeyScope,
  orScope: ApiKeyScope | undefined,
): boolean {
  return scopes.includes(scope) || (orScope !== undefined && scopes.includes(orScope));
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: GatewayError): FastifyReply {
  replyWithError(request, reply, error);
  return reply;
}

/** The challenge of the routes that take a key as HTTP Basic's password (any user name). */
const BASIC_CHALLENGE = 'Basic realm="omnigate", charset="UTF-8"';

/**
 * The password of `Authorization: Basic <base64 of user:password>` (scheme case-insensitive),
 * or undefined when there is none (an empty one included).
 */
export function basicPassword(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return undefined;
  const credentials = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon === -1 || colon === credentials.length - 1 ? undefined : credentials.slice(colon + 1);
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}
