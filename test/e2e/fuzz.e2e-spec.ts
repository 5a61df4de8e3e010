import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, manifest } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';
import { seededRandom } from '../fuzz/fuzz-case';

type Mutation = { name: string; data: Buffer };

function mutations(data: Buffer, other: Buffer, rnd: () => number): Mutation[] {
  const at = (n: number) => Math.floor(rnd() * n);
  const flipped = Buffer.from(data);
  const flips = 1 + at(16);
  for (let i = 0; i < flips; i++) {
    const pos = at(Math.min(flipped.length, 4096)); // headers are where parsers break
    flipped[pos] ^= 1 << at(8);
  }
  const cut = 1 + at(Math.max(1, data.length - 1));
  return [
    { name: `truncated to ${cut}`, data: data.subarray(0, cut) },
    { name: 'header only (64 bytes)', data: data.subarray(0, 64) },
    { name: `${flips} bit flips`, data: flipped },
    {
      name: 'spliced with another fixture',
      data: Buffer.concat([data.subarray(0, cut), other.subarray(at(other.length))]),
    },
  ];
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const REQUEST_TIMEOUT_MS = 20_000;

describe(`fuzz: truncated, bit-flipped and spliced fixtures (seed ${SEED})`, () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '10000', JOB_ATTEMPTS: '1' });
  });
  afterAll(async () => gw.close());

  const files = manifest().filter((f) => f.bytes < 3_000_000);
  const rnd = seededRandom(SEED);
  const cases = files.flatMap((file, i) => {
    const other = fixture(files[(i + 1) % files.length].path);
    return mutations(fixture(file.path), other, rnd).map((m) => ({ file: file.path, ...m }));
  });

  it(`never answers 5xx, never hangs, and stays up (${cases.length} inputs × detect + 2 infers)`, async () => {
    const failures: string[] = [];
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      return { status: res.status, text };
    };
    for (const c of cases) {
      const data = c.data.toString('base64');
      if (c.data.length === 0) continue;
      const answers = [
        await post('/v1/detect', { inputs: [{ data }] }),
        await post('/v1/infer', { inputs: [{ data }], output: 'text' }),
        await post('/v1/infer', { inputs: [{ data }], output: 'image' }),
      ];
      for (const a of answers) {
        if (a.status >= 500) failures.push(`${c.file} (${c.name}): ${a.status} ${a.text.slice(0, 200)}`);
        else if (a.status >= 400)
          expect(JSON.parse(a.text)).toMatchObject({ error: { code: expect.any(String) } });
      }
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
  }, 600_000);
});
