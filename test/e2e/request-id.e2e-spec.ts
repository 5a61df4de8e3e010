import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('x-request-id: every answer names its request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const idOf = async (path: string, headers: Record<string, string> = {}) =>
    (await fetch(`${gw.url}${path}`, { headers })).headers.get('x-request-id');

  it('gives each request a new id, on answers and errors alike', async () => {
    const [a, b, missing] = await Promise.all([idOf('/health'), idOf('/health'), idOf('/v1/jobs/nope')]);
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(missing).toMatch(UUID);
    expect(new Set([a, b, missing]).size).toBe(3);
  });

  it("keeps a caller's plain id, and replaces one that is not plain or too long", async () => {
    expect(await idOf('/health', { 'x-request-id': 'edge-7f3a.2:1' })).toBe('edge-7f3a.2:1');
    expect(await idOf('/health', { 'x-request-id': 'a'.repeat(128) })).toBe('a'.repeat(128));
    for (const hostile of ['a'.repeat(129), 'two words', 'x\u00e9', '<script>', 'a,b']) {
      expect(await idOf('/health', { 'x-request-id': hostile })).toMatch(UUID);
    }
  });
});
