import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceService } from '../../apps/gateway/src/inference/inference.service';
import { startGateway, type TestGateway } from '../gateway-harness';

/** test.typist types its input back a word at a time (test/adapters/stream-adapters.mjs). */
const typing = (text: string, delayMs: number) => ({
  inputs: [{ text }],
  output: { modality: 'text' },
  task: 'type',
  options: { delayMs },
});

describe('streaming text across the queue, and cancellation', () => {
  let gw: TestGateway;
  let inference: InferenceService;
  beforeAll(async () => {
    gw = await startGateway({ ADAPTER_MODULES: './test/adapters/stream-adapters.mjs' });
    inference = gw.app.get(InferenceService);
  });
  afterAll(async () => gw?.close());

  const state = () =>
    (globalThis as { __omnigateTypist?: { aborted: number; started: number } }).__omnigateTypist!;

  it('hands the worker-produced pieces to the waiting request in order, then the record', async () => {
    const deltas: string[] = [];
    const arrivals: number[] = [];
    const record = await inference.runStreaming(typing('one two three four five', 40) as never, {
      signal: new AbortController().signal,
      onDelta: (delta) => {
        deltas.push(delta);
        arrivals.push(Date.now());
      },
    });
    expect(record.status).toBe('completed');
    expect(deltas).toEqual(['one ', 'two ', 'three ', 'four ', 'five']);
    expect(deltas.join('')).toBe(record.outputs[0].text);
    // Promptly: the pieces arrive spread over the typing, not all at the end.
    expect(arrivals.at(-1)! - arrivals[0]).toBeGreaterThan(100);
  });

  it('a plain run gets no deltas and the same answer', async () => {
    const record = await inference.run(typing('no stream', 1) as never);
    expect(record.outputs[0].text).toBe('no stream');
  });

  it('cancels the job and aborts the running adapter when the caller goes away', async () => {
    const before = state().aborted;
    const caller = new AbortController();
    const deltas: string[] = [];
    const record = await inference.runStreaming(typing('a b c d e f g h i j k l m n o p', 100) as never, {
      signal: caller.signal,
      onDelta: (delta) => {
        deltas.push(delta);
        if (deltas.length === 2) caller.abort();
      },
    });
    expect(record.status).toBe('cancelled');
    expect(deltas.length).toBeLessThan(6);
    await expect.poll(() => state().aborted, { timeout: 2000 }).toBe(before + 1);
  });

  it('POST /v1/jobs/:id/cancel stops an async job', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...typing('x y z w v u t s r q', 200), mode: 'async' }),
    });
    const { id } = (await res.json()) as { id: string };
    await expect.poll(async () => (await inference.get(id)).status, { timeout: 5000 }).toBe('active');
    const cancelled = await fetch(`${gw.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { status: string }).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 400));
    expect((await inference.get(id)).status).toBe('cancelled');
    const missing = await fetch(`${gw.url}/v1/jobs/00000000-0000-4000-8000-000000000000/cancel`, {
      method: 'POST',
    });
    expect(missing.status).toBe(404);
  });
});
