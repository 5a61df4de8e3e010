import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

/** Adapters that misbehave as decoders can on hostile input, run in the sandbox (SANDBOX_ADAPTER_MODULES). */
const MODULE = './test/adapters/sandbox-adapters.mjs';
const CPU_BUDGET_MS = 1_000;

interface Body {
  id?: string;
  status: string;
  attempts?: number;
  outputs?: { text?: string }[];
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

const infer = async (gw: TestGateway, adapter: string, text = 'x') => {
  const res = await fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ text }], output: 'text', adapter, task: adapter.split('.')[1] }),
  });
  return { status: res.status, body: (await res.json()) as Body };
};

describe('the sandbox, through the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      SANDBOX_ADAPTER_MODULES: MODULE,
      SANDBOX_PROCESSES: '2',
      SANDBOX_CPU_BUDGET_MS: String(CPU_BUDGET_MS),
      // One failure counted against an adapter would open its breaker.
      BREAKER_FAILURES: '1',
      JOB_ATTEMPTS: '3',
    });
  });
  afterAll(async () => gw?.close());

  const health = async (id: string) => {
    const body = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as {
      adapters: { id: string; source: string; health: { state: string } }[];
    };
    return body.adapters.find((a) => a.id === id);
  };

  it('lists the sandboxed module adapters beside the built-in ones', async () => {
    expect(await health('sandbox.spin')).toMatchObject({ source: 'module', health: { state: 'closed' } });
  });

  it('fails a spinning hop once with a 422, while HTTP and other jobs go on, and no breaker opens', async () => {
    const spinning = infer(gw, 'sandbox.spin');
    // While the hop spins, the gateway's event loop serves health checks and other jobs.
    const started = Date.now();
    const live = await fetch(`${gw.url}/health/live`);
    expect(live.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    const other = await infer(gw, 'sandbox.upper', 'still here');
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.outputs?.[0].text).toBe('STILL HERE');

    const { status, body } = await spinning;
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.error).toMatchObject({
      code: 'unprocessable_input',
      details: { limit: 'SANDBOX_CPU_BUDGET_MS', max: CPU_BUDGET_MS, adapter: 'sandbox.spin' },
    });
    const job = (await (
      await fetch(`${gw.url}/v1/jobs/${String(body.error?.details?.jobId)}`)
    ).json()) as Body;
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await health('sandbox.spin')).toMatchObject({ health: { state: 'closed' } });
  });

  it('answers an adapter’s unexpected exception as the input’s 422, not retried, breaker closed', async () => {
    const { status, body } = await infer(gw, 'sandbox.range');
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.error).toMatchObject({
      code: 'unprocessable_input',
      message: 'sandbox.range could not process this input',
    });
    const job = (await (
      await fetch(`${gw.url}/v1/jobs/${String(body.error?.details?.jobId)}`)
    ).json()) as Body;
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await health('sandbox.range')).toMatchObject({ health: { state: 'closed' } });
  });

  it('runs the built-in adapters in the sandbox too', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'The sandbox runs this. It is fine.' }], output: 'text' }),
    });
    const body = (await res.json()) as Body & { route: { adapter: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.route[0].adapter).toMatch(/^builtin\./);
  });
});
