import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

/** Two adapters loaded from a module (ADAPTER_MODULES): test.broken (cheap, always 503) and test.backup. */
const MODULE = './test/adapters/fallback-adapters.mjs';

interface Body {
  status: string;
  outputs: { text?: string }[];
  route: { adapter: string }[];
  fallbacks?: { adapter: string; route: { adapter: string }[]; error: { code: string; message: string } }[];
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

const shout = (gw: TestGateway, text: string, extra: Record<string, unknown> = {}) =>
  fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ text }], output: { modality: 'text' }, task: 'shout', ...extra }),
  });

describe('fallback to the next route (adapters from ADAPTER_MODULES)', () => {
  let gw: TestGateway;
  let strict: TestGateway;
  beforeAll(async () => {
    const env = { ADAPTER_MODULES: MODULE, JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '10' };
    [gw, strict] = await Promise.all([startGateway(env), startGateway({ ...env, ROUTE_MAX_FALLBACKS: '0' })]);
  });
  afterAll(async () => Promise.all([gw?.close(), strict?.close()]));

  it('loads the module and lists its adapters with the built-in ones', async () => {
    const body = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as { adapters: { id: string }[] };
    const ids = body.adapters.map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['test.broken', 'test.backup', 'builtin.sharp']));
  });

  it('plans the cheaper, broken adapter first', async () => {
    const res = await fetch(`${gw.url}/v1/routes?from=text&to=text&task=shout`);
    const body = (await res.json()) as { route: { adapter: string }[] };
    expect(body.route.map((s) => s.adapter)).toEqual(['test.broken']);
  });

  it('answers from the next route when the first keeps failing, and says so', async () => {
    const res = await shout(gw, 'hello');
    const body = (await res.json()) as Body;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.outputs[0].text).toBe('HELLO!');
    expect(body.route.map((s) => s.adapter)).toEqual(['test.backup']);
    expect(body.fallbacks).toEqual([
      {
        adapter: 'test.broken',
        route: [expect.objectContaining({ adapter: 'test.broken', task: 'shout' })],
        error: expect.objectContaining({ code: 'adapter_failed', message: 'upstream answered 503' }),
      },
    ]);
    expect(body).not.toHaveProperty('plan');
    expect(body).not.toHaveProperty('alternatives');
  });

  it('does not fall back when the input is the problem', async () => {
    const res = await shout(gw, 'bad');
    const body = (await res.json()) as Body;
    expect(res.status).toBe(422);
    expect(body.error).toMatchObject({ code: 'unprocessable_input', message: 'this input can never work' });
  });

  it('fails with the hop named when fallbacks are turned off', async () => {
    const res = await shout(strict, 'hello');
    const body = (await res.json()) as Body;
    expect(res.status).toBe(502);
    expect(body.error).toMatchObject({ code: 'adapter_failed', details: { adapter: 'test.broken' } });
  });
});

describe('circuit breaker (BREAKER_FAILURES)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      ADAPTER_MODULES: MODULE,
      JOB_ATTEMPTS: '5',
      JOB_BACKOFF_MS: '10',
      BREAKER_FAILURES: '2',
      BREAKER_COOLDOWN_MS: '60000',
    });
  });
  afterAll(async () => gw?.close());

  const health = async (id: string) => {
    const body = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as {
      adapters: { id: string; source: string; health: { state: string; retryAt?: string } }[];
    };
    return body.adapters.find((a) => a.id === id)!;
  };

  it('opens after repeated failures; later requests skip the broken adapter without calling it', async () => {
    const first = (await (await shout(gw, 'one')).json()) as Body;
    // Two failures open the breaker: the job falls back at once instead of using all five attempts.
    expect(first.route.map((s) => s.adapter)).toEqual(['test.backup']);
    expect(first.fallbacks?.map((f) => f.adapter)).toEqual(['test.broken']);
    expect(await health('test.broken')).toMatchObject({ source: 'module', health: { state: 'open' } });

    const second = (await (await shout(gw, 'two')).json()) as Body;
    expect(second.outputs[0].text).toBe('TWO!');
    expect(second.route.map((s) => s.adapter)).toEqual(['test.backup']);
    // No fallback: test.broken was not planned, so never called (it fails every call).
    expect(second.fallbacks).toBeUndefined();

    const routes = (await (await fetch(`${gw.url}/v1/routes?from=text&to=text&task=shout`)).json()) as {
      route: { adapter: string }[];
    };
    expect(routes.route.map((s) => s.adapter)).toEqual(['test.backup']);
  });

  it('answers 503 with Retry-After when the only route is through an open breaker', async () => {
    const res = await shout(gw, 'three', { adapter: 'test.broken' });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(503);
    expect(body.error).toMatchObject({ code: 'unavailable', details: { adapters: ['test.broken'] } });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
