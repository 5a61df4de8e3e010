import { expect } from 'vitest';
import type { TestGateway } from './gateway-harness';

/**
 * A `/v1/infer` batch line that takes about `words` × `delayMs`: test.typist
 * (test/adapters/stream-adapters.mjs) types its input back word by word.
 */
export const typistLine = (custom_id: string, words: number, delayMs: number) => ({
  custom_id,
  method: 'POST',
  url: '/v1/infer',
  body: {
    inputs: [{ text: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
    output: { modality: 'text' },
    adapter: 'test.typist',
    task: 'type',
    options: { delayMs },
  },
});

/** Uploads `lines` (objects as JSON, strings as they are) as a batch input file; its id. */
export async function uploadBatchLines(gw: TestGateway, lines: unknown[]): Promise<string> {
  const form = new FormData();
  form.set('purpose', 'batch');
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  form.set('file', new Blob([text]), 'input.jsonl');
  const res = await fetch(`${gw.url}/v1/files`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}
