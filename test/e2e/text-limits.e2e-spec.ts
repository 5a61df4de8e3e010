import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

interface Answer {
  status: number;
  ms: number;
  body: {
    status?: string;
    outputs?: { text?: string; bytes?: number }[];
    route?: { adapter: string }[];
    error?: { code: string; details?: Record<string, unknown> };
  };
}

const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
const prose = fill(
  'Solar panels turn sunlight into electricity. My cat likes to sleep on the warm windowsill. ' +
    'Cheaper solar panels have made solar electricity the cheapest power in many countries.\n',
  400_000,
);

// Before issue 12 (H4): 160 KB of spaces took 47 s with the event loop blocked, 400 KB of prose 75 s,
// and 2.5 MB wedged the process for over ten minutes. Bounds here are generous for a busy machine.
describe('hostile text through the gateway (issue 12, H4)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '60000' });
  });
  afterAll(async () => gw.close());

  async function infer(text: string, output: string, task?: string, options?: unknown): Promise<Answer> {
    const started = Date.now();
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text }], output, task, options }),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'], ms: Date.now() - started };
  }

  it('summarizes 2.5 MB of spaces between two words in seconds', async () => {
    const answer = await infer(`first${' '.repeat(2_500_000)}last.`, 'text', 'summarize');
    expect(answer.status).toBe(200);
    expect(answer.body.outputs?.[0].text).toBe('first last.\n');
    expect(answer.ms).toBeLessThan(15_000);
  });

  it('summarizes 400 KB of prose in seconds', async () => {
    const answer = await infer(prose, 'text', 'summarize', { sentences: 2 });
    expect(answer.status).toBe(200);
    expect(answer.body.outputs?.[0].text).toContain('solar');
    expect(answer.ms).toBeLessThan(15_000);
  });

  it.each([
    ['keywords', '1 MB without whitespace', fill('abcdefghij', 1_000_000)],
    ['describe', '1 MB of one repeated word', fill('word ', 1_000_000)],
    [
      'language',
      '400 KB of Chinese without spaces',
      fill('全模态大模型能够理解语音、图像、文本、视频、信号和三维点云。', 400_000),
    ],
  ])('answers %s of %s in seconds', async (task, _name, text) => {
    const answer = await infer(text, 'text', task);
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(15_000);
  });

  it('renders 64 KB of one word at a narrow width in seconds (Pango took 68 s)', async () => {
    const answer = await infer('x'.repeat(65_000), 'image', undefined, {
      width: 16,
      fontSize: 1,
      padding: 0,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.route).toMatchObject([{ adapter: 'builtin.render' }]);
    expect(answer.ms).toBeLessThan(15_000);
  });

  it('refuses more text than speech synthesis takes at once with 413', async () => {
    const answer = await infer('word '.repeat(1_000), 'audio');
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'payload_too_large', details: { max: 4_000 } });
  });
});
