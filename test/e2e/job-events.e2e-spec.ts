import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { readEvents } from '../sse';

describe('GET /v1/jobs/:id/events', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      ADAPTER_MODULES: './test/adapters/stream-adapters.mjs,./test/adapters/fallback-adapters.mjs',
    });
  });
  afterAll(async () => gw?.close());

  const submit = async (text: string, delayMs: number): Promise<string> => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ text }],
        output: { modality: 'text' },
        task: 'type',
        options: { delayMs },
        mode: 'async',
      }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };

  it('streams a running job in order and ends with `completed` carrying the outputs', async () => {
    const id = await submit('one two three four five six', 50);
    const res = await fetch(`${gw.url}/v1/jobs/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res);
    const names = events.map((e) => e.event);
    expect(names.at(-1)).toBe('completed');
    expect(names.filter((n) => n === 'completed')).toHaveLength(1);
    // Whatever the stream opened on, the states only move forward.
    const order = ['queued', 'active', 'progress', 'completed'];
    const ranks = names.map((n) => order.indexOf(n));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(names).toContain('active');
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    const done = events.at(-1)!.data;
    expect(done).toMatchObject({ id, status: 'completed', links: { self: `/v1/jobs/${id}` } });
    expect((done.outputs as { text: string }[])[0].text).toBe('one two three four five six');
    // The same view as GET /v1/jobs/:id.
    const polled = (await (await fetch(`${gw.url}/v1/jobs/${id}`)).json()) as Record<string, unknown>;
    expect(done).toEqual(polled);
  });

  it('gives an ended job its terminal event at once', async () => {
    const id = await submit('quick', 1);
    await expect
      .poll(
        async () => ((await (await fetch(`${gw.url}/v1/jobs/${id}`)).json()) as { status: string }).status,
      )
      .toBe('completed');
    const started = Date.now();
    const events = await readEvents(await fetch(`${gw.url}/v1/jobs/${id}/events`));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events.map((e) => e.event)).toEqual(['completed']);
    expect(events[0].data).toMatchObject({ id, status: 'completed', outputs: [{ text: 'quick' }] });
  });

  it('ends with `cancelled` when the job is cancelled', async () => {
    const id = await submit('a b c d e f g h i j k l m n o p', 100);
    const res = await fetch(`${gw.url}/v1/jobs/${id}/events`);
    const reading = readEvents(res);
    await fetch(`${gw.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    const events = await reading;
    expect(events.at(-1)).toMatchObject({ event: 'cancelled', data: { id, status: 'cancelled' } });
  });

  it('ends with `failed` carrying the error', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ text: 'bad' }],
        output: { modality: 'text' },
        task: 'shout',
        mode: 'async',
      }),
    });
    const { id } = (await res.json()) as { id: string };
    const events = await readEvents(await fetch(`${gw.url}/v1/jobs/${id}/events`));
    expect(events.at(-1)).toMatchObject({
      event: 'failed',
      data: { id, status: 'failed', error: { code: 'unprocessable_input' } },
    });
  });

  it('answers 404 for an unknown job', async () => {
    const res = await fetch(`${gw.url}/v1/jobs/00000000-0000-4000-8000-000000000000/events`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
