import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edfFile } from '../../libs/adapters/src/codecs/signal/test-files';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

/** Generous on a busy machine: these inputs used to take the process down or end after retries. */
const ANSWER_MS = 5000;
const MAX_HEAP_GROWTH = 256 * 1024 * 1024;

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

describe('hostile signals through the gateway (H2, M2)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Two failures open a breaker, as in the report: bad input must never count as one.
    gw = await startGateway({ BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '600000' });
  });
  afterAll(async () => gw?.close());

  async function post(path: string, body: unknown): Promise<{ status: number; body: unknown; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  }

  const input = (data: Buffer | string, hints: Record<string, unknown> = {}) => ({
    data: Buffer.from(data).toString('base64'),
    ...hints,
  });

  /** POSTs `data` to /v1/detect and /v1/infer (to text and to image); each answer is returned with its request. */
  async function detectAndInfer(data: Buffer | string, hints: Record<string, unknown> = {}) {
    const requests = [
      ['/v1/detect', {}],
      ['/v1/infer', { output: 'text' }],
      ['/v1/infer', { output: 'image' }],
    ] as const;
    const answers = [];
    for (const [path, extra] of requests) {
      answers.push({ path, ...extra, ...(await post(path, { inputs: [input(data, hints)], ...extra })) });
    }
    return answers;
  }

  const adapterHealth = async (id: string) => {
    const body = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as {
      adapters: { id: string; health: { state: string } }[];
    };
    return body.adapters.find((adapter) => adapter.id === id)?.health.state;
  };

  it('H2: an EDF declaring 99,999,999 data records on a few bytes is refused at once, the heap untouched', async () => {
    const edf = edfFile({
      records: 1,
      declaredRecords: 99_999_999,
      signals: [{ label: 'x', samplesPerRecord: 2, digital: [1, 2] }],
    });
    const heapBefore = process.memoryUsage().heapUsed;
    for (const answer of await detectAndInfer(edf)) {
      // Over LIMIT_SIGNAL_VALUES as declared, and impossible for its bytes: either refusal is right.
      const { error } = answer.body as ErrorBody;
      if (answer.status === 413) {
        expect(error).toMatchObject({ code: 'payload_too_large', details: { limit: 'LIMIT_SIGNAL_VALUES' } });
      } else {
        expect(answer).toMatchObject({ status: 422, body: { error: { code: 'unprocessable_input' } } });
        expect(error.message).toMatch(/truncated EDF/);
      }
      expect(answer.ms).toBeLessThan(ANSWER_MS);
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(MAX_HEAP_GROWTH);
  });

  it('refuses an EDF whose declared records are within the limit but not in its bytes with 422', async () => {
    const edf = edfFile({
      records: 1,
      declaredRecords: 20_000_000,
      signals: [{ label: 'x', samplesPerRecord: 1, digital: [1] }],
    });
    for (const answer of await detectAndInfer(edf)) {
      expect(answer).toMatchObject({ status: 422, body: { error: { code: 'unprocessable_input' } } });
      expect((answer.body as ErrorBody).error.message).toMatch(/truncated EDF: the header promises 20000000/);
      expect(answer.ms).toBeLessThan(ANSWER_MS);
    }
  });

  const wide = JSON.stringify({
    sampleRateHz: 100,
    channels: Array.from({ length: 200_000 }, () => ({ values: [1, 2] })),
  });

  it('M2: a JSON signal of 200,000 channels is 422 unprocessable_input on infer; detect says what its sample shows', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const [detected, ...inferred] = await detectAndInfer(wide);
    // Detection reads the first 64 KiB: a signal whose channel list goes on past it.
    expect(detected).toMatchObject({
      status: 200,
      body: { detected: [{ modality: 'signal', meta: { format: 'json', channelsIncomplete: true } }] },
    });
    for (const answer of inferred) {
      expect(answer).toMatchObject({ status: 422, body: { error: { code: 'unprocessable_input' } } });
      expect((answer.body as ErrorBody).error.message).toMatch(/more than 65536 channels/);
      expect(answer.ms).toBeLessThan(ANSWER_MS);
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(MAX_HEAP_GROWTH);
  });

  it('M2: after the 200,000-channel signal again and again, the signal adapters stay healthy and an ECG gets 200', async () => {
    for (let i = 0; i < 3; i++) {
      for (const output of ['text', 'image', 'signal']) {
        const answer = await post('/v1/infer', { inputs: [input(wide)], output });
        expect(answer).toMatchObject({ status: 422, body: { error: { code: 'unprocessable_input' } } });
      }
    }
    expect(await adapterHealth('builtin.signal')).toBe('closed');
    expect(await adapterHealth('builtin.signal-tools')).toBe('closed');

    const ecg = await post('/v1/infer', {
      inputs: [input(fixture('signal/mitdb-100-ecg-10s.csv'), { filename: 'ecg.csv' })],
      output: 'text',
    });
    expect(ecg.status).toBe(200);
    expect(ecg.body).toMatchObject({
      status: 'completed',
      outputs: [
        { modality: 'text', text: expect.stringContaining('Signal: 2 channels, 3600 samples at 360 Hz') },
      ],
    });
    const plot = await post('/v1/infer', {
      inputs: [input(fixture('signal/mitdb-100-ecg-10s.csv'), { filename: 'ecg.csv' })],
      output: 'image',
    });
    expect(plot).toMatchObject({
      status: 200,
      body: { status: 'completed', outputs: [{ modality: 'image' }] },
    });
  });
});
