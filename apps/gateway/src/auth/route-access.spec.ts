import { describe, expect, it } from 'vitest';
import { routeAccess } from './route-access';

describe('routeAccess', () => {
  it.each([
    ['GET', '/health/ready'],
    ['GET', '/health/live'],
    ['GET', '/docs'],
    ['GET', '/docs/json'],
    ['GET', '/docs/static/index.html?x=1'],
  ])('leaves %s %s open', (method, url) => {
    expect(routeAccess(method, url)).toEqual({ open: true });
  });

  it.each([
    ['POST', '/v1/infer', 'infer', 'native'],
    ['GET', '/v1/jobs/abc', 'infer', 'native'],
    ['POST', '/v1/blobs?name=x', 'infer', 'native'],
    ['GET', '/v1/adapters', 'infer', 'native'],
    ['POST', '/v1/adapters', 'admin', 'native'],
    ['post', '/v1/adapters/', 'admin', 'native'],
    ['POST', '/V1/%61dapters', 'admin', 'native'],
    ['POST', '//v1//adapters?x', 'admin', 'native'],
    ['DELETE', '/v1/adapters/my-adapter', 'admin', 'native'],
    ['GET', '/v1/adapters/my-adapter', 'infer', 'native'],
    ['POST', '/v1/chat/completions', 'infer', 'openai'],
    ['POST', '/v1/completions', 'infer', 'openai'],
    ['POST', '/v1/embeddings', 'infer', 'openai'],
    ['POST', '/v1/audio/speech', 'infer', 'openai'],
    ['POST', '/v1/images/generations', 'infer', 'openai'],
    ['GET', '/v1/models', 'infer', 'openai'],
    ['GET', '/v1/models/auto', 'infer', 'openai'],
    ['POST', '/v1/files', 'batch', 'openai'],
    ['GET', '/v1/batches/b1', 'batch', 'openai'],
    ['GET', '/v1/nothing-here', 'infer', 'native'],
    ['GET', '/', 'infer', 'native'],
    ['GET', '/healthz', 'infer', 'native'],
  ])('%s %s needs %s and answers errors %s', (method, url, scope, shape) => {
    expect(routeAccess(method, url)).toEqual({ open: false, scope, shape });
  });
});
