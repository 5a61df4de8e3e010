import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePointCloud } from '../../libs/adapters/src/codecs/pointcloud';
import { lzfCompress } from '../../libs/adapters/src/codecs/pointcloud/lzf';
import { startGateway, type TestGateway } from '../gateway-harness';
import { h2Pcd, lyingCountCases, lyingLzfPcd, validClouds, type HostileCloud } from '../hostile/point-clouds';

/** Generous on a busy 2-core machine: H2 used to grow the heap to 4 GB and abort the process. */
const ANSWER_WITHIN_MS = 10_000;
const MEMORY_GROWTH_BOUND = 256 * 2 ** 20;

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: Record<string, unknown> } };
}

/** Codes a point cloud the gateway cannot take may get: not a point cloud it knows (415), one it cannot read (422), too large (413). */
const REFUSALS = ['unsupported_media', 'unprocessable_input', 'payload_too_large'];

describe('point clouds that lie about their size, against the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '10000', JOB_ATTEMPTS: '1' });
  });
  afterAll(async () => gw.close());

  const memoryInUse = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

  /**
   * `body` to `path`, answered within ANSWER_WITHIN_MS without a 5xx; the gateway (in this
   * process) grows by less than MEMORY_GROWTH_BOUND and answers its readiness check after.
   */
  async function post(path: string, body: unknown, what: string): Promise<Answer> {
    const before = memoryInUse();
    const started = performance.now();
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(3 * ANSWER_WITHIN_MS),
    });
    const answer = { status: res.status, body: (await res.json()) as Answer['body'] };
    expect(performance.now() - started, `${what}: time`).toBeLessThan(ANSWER_WITHIN_MS);
    expect(memoryInUse() - before, `${what}: memory`).toBeLessThan(MEMORY_GROWTH_BOUND);
    expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
    expect((await fetch(`${gw.url}/health/ready`)).status).toBe(200);
    return answer;
  }

  /** Detect and infer to text, each either a 200 or a refusal with one of REFUSALS. */
  async function attack(cloud: HostileCloud, hints: Record<string, string> = {}): Promise<Answer[]> {
    const inputs = [{ data: cloud.data.toString('base64'), ...hints }];
    const answers = [
      await post('/v1/detect', { inputs }, `${cloud.name}: detect`),
      await post('/v1/infer', { inputs, output: 'text' }, `${cloud.name}: infer to text`),
    ];
    for (const { status, body } of answers) {
      if (status !== 200)
        expect(REFUSALS, `${cloud.name}: ${JSON.stringify(body)}`).toContain(body.error?.code);
    }
    return answers;
  }

  describe('H2: a PCD of 300 bytes whose COUNT says 100000000 over 10 points', () => {
    it.each(['binary', 'binary_compressed'] as const)(
      'DATA %s: refused at once to detect and infer, with or without a point cloud hint',
      async (encoding) => {
        const cloud = { name: `H2 ${encoding}`, format: 'pcd' as const, data: h2Pcd(encoding) };
        const hints: Record<string, string>[] = [
          {},
          { filename: 'h2.pcd' },
          { modality: 'pointcloud', mediaType: 'application/x-pcd' },
        ];
        for (const hint of hints) {
          for (const answer of await attack(cloud, hint)) expect(answer.status).toBeGreaterThanOrEqual(400);
        }
      },
    );

    it('DATA ascii: refused as a point cloud (as text it is only text), the process unharmed', async () => {
      const cloud = { name: 'H2 ascii', format: 'pcd' as const, data: h2Pcd('ascii') };
      for (const answer of await attack(cloud, { modality: 'pointcloud' })) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }
      for (const answer of await attack(cloud)) {
        expect(JSON.stringify(answer.body)).not.toContain('"modality":"pointcloud"');
      }
    });
  });

  it('a binary point count said to be twice the points is refused; half of them reads only those', async () => {
    const binary = validClouds().filter((cloud) => /binary/.test(cloud.name));
    for (const cloud of binary) {
      const [twice, half] = lyingCountCases(cloud);
      for (const answer of await attack(twice)) expect(answer.status, twice.name).toBeGreaterThanOrEqual(400);
      const [, described] = await attack(half);
      // A compressed block's sizes then disagree with POINTS: refused too.
      if (cloud.data.includes('DATA binary_compressed'))
        expect(described.status, half.name).toBeGreaterThanOrEqual(400);
      else if (!cloud.data.includes('element face')) {
        const points = Math.floor(decodePointCloud(cloud.data, cloud.format).count / 2);
        expect(JSON.stringify(described.body), half.name).toContain(`points: ${points} (`);
      }
    }
  });

  it('a 9.5 MB LZF block that says 800 MB but expands to 9 MB is refused by the adapter without the 800 MB', async () => {
    // Past the 8 MiB the detector decodes itself, with a header and block sizes that agree: only
    // the decoder finds that the stream does not expand to them.
    const cloud = { name: 'lying LZF', format: 'pcd' as const, data: lyingLzfPcd(9_500_000, 10) };
    const [detected, inferred] = await attack(cloud);
    expect(detected.body).toMatchObject({
      detected: [{ modality: 'pointcloud', meta: { points: 20_000_000 } }],
    });
    expect(inferred.status).toBe(422);
    expect(inferred.body.error?.message).toMatch(/not the declared 800000000/);
  });

  it('a valid binary_compressed cloud still decodes through the gateway', async () => {
    const values = new Float32Array(3000).map((_v, i) => Math.sin(i));
    const block = new Uint8Array(values.buffer);
    const compressed = lzfCompress(block);
    const sizes = Buffer.alloc(8);
    sizes.writeUInt32LE(compressed.length, 0);
    sizes.writeUInt32LE(block.length, 4);
    const header = Buffer.from(
      'VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1000\nHEIGHT 1\nPOINTS 1000\nDATA binary_compressed\n',
    );
    const [detected, inferred] = await attack({
      name: 'valid LZF',
      format: 'pcd',
      data: Buffer.concat([header, sizes, compressed]),
    });
    expect(detected.body).toMatchObject({ detected: [{ modality: 'pointcloud', meta: { points: 1000 } }] });
    expect(inferred.status).toBe(200);
  });
});
