import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorShapeOf, routeAccess } from './route-access';

/** A request as the auth hook sees it: the method, the raw target, and the pattern the router matched. */
const request = (method: string, url: string, pattern?: string) =>
  ({ method, url, routeOptions: { url: pattern } }) as unknown as FastifyRequest;

describe('routeAccess', () => {
  it.each([
    ['GET', '/health/ready'],
    ['GET', '/health/live'],
    ['GET', '/docs'],
    ['GET', '/docs/json'],
    ['GET', '/docs/static/*'],
    // The web console's page and assets (its API calls carry the key).
    ['GET', '/'],
    ['HEAD', '/'],
    ['GET', '/index.html'],
    ['GET', '/assets/index-BYIiqCqV.js'],
  ])('leaves %s %s open', (method, pattern) => {
    expect(routeAccess(request(method, pattern, pattern))).toEqual({ open: true });
  });

  it.each([
    ['POST', '/v1/infer', 'infer', 'native'],
    ['GET', '/v1/jobs/:id', 'infer', 'native'],
    ['POST', '/v1/blobs', 'infer', 'native'],
    ['GET', '/v1/adapters', 'infer', 'native'],
    ['HEAD', '/v1/adapters', 'infer', 'native'],
    ['POST', '/v1/adapters', 'admin', 'native'],
    ['DELETE', '/v1/adapters/:id', 'admin', 'native'],
    ['POST', '/v1/chat/completions', 'infer', 'openai'],
    ['POST', '/v1/embeddings', 'infer', 'openai'],
    ['POST', '/v1/audio/speech', 'infer', 'openai'],
    ['POST', '/v1/images/generations', 'infer', 'openai'],
    ['GET', '/v1/models/:id', 'infer', 'openai'],
    ['POST', '/v1/responses', 'infer', 'openai'],
    ['GET', '/v1/responses/:id/input_items', 'infer', 'openai'],
    ['DELETE', '/v1/responses/:id', 'infer', 'openai'],
    ['POST', '/v1/conversations', 'infer', 'openai'],
    ['DELETE', '/v1/conversations/:id/items/:item_id', 'infer', 'openai'],
    ['POST', '/v1/files', 'batch', 'openai'],
    ['GET', '/v1/files/:id/content', 'batch', 'openai'],
    ['GET', '/v1/batches/:id', 'batch', 'openai'],
  ])('%s %s needs %s and answers errors %s', (method, pattern, scope, shape) => {
    expect(routeAccess(request(method, pattern, pattern))).toEqual({ open: false, scope });
    expect(errorShapeOf(request(method, pattern, pattern))).toBe(shape);
  });

  it('lets a key with the metrics or the admin scope read GET /metrics', () => {
    expect(routeAccess(request('GET', '/metrics', '/metrics'))).toEqual({
      open: false,
      scope: 'metrics',
      orScope: 'admin',
    });
    expect(errorShapeOf(request('GET', '/metrics', '/metrics'))).toBe('native');
  });

  it.each([
    ['GET', '/admin/queues'],
    ['GET', '/admin/queues/'],
    ['GET', '/admin/queues/queue/:queueName'],
    ['GET', '/admin/queues/static/*'],
    ['GET', '/admin/queues/api/queues'],
    ['PUT', '/admin/queues/api/queues/:queueName/:jobId/retry'],
  ])(
    'asks the admin scope, as a bearer or a Basic password, on the queue dashboard (%s %s)',
    (method, pattern) => {
      expect(routeAccess(request(method, pattern, pattern))).toEqual({
        open: false,
        scope: 'admin',
        basic: true,
      });
      expect(errorShapeOf(request(method, pattern, pattern))).toBe('native');
    },
  );

  it('reads the matched pattern, not the raw target', () => {
    const absolute = request('POST', 'http://127.0.0.1:3000/v1/adapters', '/v1/adapters');
    expect(routeAccess(absolute)).toMatchObject({ scope: 'admin' });
    const files = request('GET', 'HTTP://h/v1/%66iles?x', '/v1/files');
    expect(routeAccess(files)).toEqual({ open: false, scope: 'batch' });
    expect(errorShapeOf(files)).toBe('openai');
    // A raw target that reads as /health but matched another route is not open.
    expect(routeAccess(request('POST', '/health/../v1/adapters', '/v1/adapters'))).toMatchObject({
      scope: 'admin',
    });
  });

  it.each([
    ['GET', '/v1/nothing-here'],
    ['GET', '/'],
    ['GET', '/healthz'],
    ['GET', '/health/ready/x'],
    ['POST', 'http://h/v1/adapters/'],
    // Where no dashboard is mounted (the in-process driver): a 404 like any other path.
    ['GET', '/admin/queues'],
  ])('asks a key with the infer scope when no route matched (%s %s)', (method, url) => {
    expect(routeAccess(request(method, url))).toEqual({ open: false, scope: 'infer' });
  });
});

describe('routeAccess of /v1/whoami', () => {
  it('takes any valid key, whatever its scopes', () => {
    expect(routeAccess(request('GET', '/v1/whoami', '/v1/whoami'))).toEqual({ open: false, anyScope: true });
  });
});

describe('errorShapeOf', () => {
  it.each([
    ['/v1/chat/completions/not-a-route', 'openai'],
    ['http://h:1/v1/models/x/y', 'openai'],
    ['HTTPS://h/V1/%4dodels/x?y', 'openai'],
    ['/v1/infer/x', 'native'],
    ['http://h', 'native'],
    ['*', 'native'],
  ])('answers an unmatched %s in the %s shape', (url, shape) => {
    expect(errorShapeOf(request('GET', url))).toBe(shape);
  });
});
