import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { sharedQueue, spawnGatewayProcess, type GatewayProcess, type SharedQueue } from '../gateway-harness';
import { startS3Server, type S3Server } from '../s3-server';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Files under `dir` (recursively), but the S3 store's local copies for ffprobe. */
function storedFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('s3-copies'))
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return []; // never created: nothing stored there
  }
}

/** Resident memory of a process now (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line!.split(/\s+/)[1]) * 1024;
}

interface JobBody {
  id: string;
  status: string;
  route: { adapter: string }[];
  outputs: { blobId?: string; url?: string; text?: string; mediaType: string }[];
  error?: { code: string; message: string };
}

describe('BLOB_STORE=s3: an API and a worker process sharing a bucket, not a folder', () => {
  let s3: S3Server;
  let raw: S3Client;
  let queue: SharedQueue;
  let api: GatewayProcess;
  let worker: GatewayProcess;
  let client: OpenAI;
  const apiDir = () => join(queue.env.BLOB_DIR, 'api');
  const workerDir = () => join(queue.env.BLOB_DIR, 'worker');
  /** A blob uploaded at the start, left alone until the end: it expires meanwhile. */
  let expiring: { id: string; at: number };
  /** An output the worker stored: the API has nothing of it in memory, so it must ask the bucket. */
  let workerOutput: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    raw = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    queue = sharedQueue();
    const env = {
      ...queue.env,
      ...s3.env,
      S3_PREFIX: 'e2e',
      // The shortest TTL there is: blobs expire within the test (windows of a minute, a sweep every 6 s).
      BLOB_TTL_S: '60',
      S3_MAX_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '50',
    };
    [api, worker] = await Promise.all([
      spawnGatewayProcess({ ...env, ROLE: 'api', BLOB_DIR: apiDir(), S3_PRESIGN_TTL_S: '300' }),
      spawnGatewayProcess({ ...env, ROLE: 'worker', BLOB_DIR: workerDir() }),
    ]);
    client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const upload = await fetch(`${api.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'this blob is left to expire',
    });
    expiring = { id: ((await upload.json()) as { id: string }).id, at: Date.now() };
  }, 90_000);

  afterAll(async () => {
    await Promise.all([api?.kill('SIGTERM'), worker?.kill('SIGTERM')]);
    raw?.destroy();
    await s3?.stop();
    queue?.remove();
  });

  async function keys(kind: 'blobs' | 'tmp' | 'expiry'): Promise<string[]> {
    const page = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `e2e/${kind}/` }));
    return (page.Contents ?? []).map((o) => o.Key!);
  }

  async function infer(body: unknown): Promise<{ status: number; body: JobBody }> {
    const res = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as JobBody };
  }

  it('uploads to the bucket through the API and reads back through a presigned redirect', async () => {
    const png = fixture('image/fixture.png');
    const res = await fetch(`${api.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-filename': 'fixture.png' },
      body: png,
    });
    expect(res.status).toBe(201);
    const blob = (await res.json()) as { id: string; bytes: number };
    expect(blob).toMatchObject({ id: sha256(png), bytes: png.length });
    expect(await keys('blobs')).toContain(`e2e/blobs/${blob.id.slice(0, 2)}/${blob.id}`);

    const redirect = await fetch(`${api.url}/v1/blobs/${blob.id}`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    const location = redirect.headers.get('location')!;
    expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/e2e/blobs/`)).toBe(true);
    expect(location).toContain('X-Amz-Signature=');
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('image/png');
    expect(direct.headers.get('content-disposition')).toBe('inline; filename="fixture.png"');
    expect(sha256(Buffer.from(await direct.arrayBuffer()))).toBe(blob.id);

    // Detection reads the bucket (a Range GET), the worker converts, the API answers.
    const job = await infer({
      inputs: [{ blobId: blob.id }],
      output: { modality: 'image', mediaType: 'image/webp' },
      options: { width: 32 },
    });
    expect(job.status).toBe(200);
    const webp = Buffer.from(await (await fetch(`${api.url}${job.body.outputs[0].url}`)).arrayBuffer());
    expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width: 32 });
  });

  it('runs a multi-hop route whose output the worker stores and the API serves', async () => {
    const job = await infer({
      inputs: [{ data: fixture('signal/mitdb-100-ecg-10s.csv').toString('base64'), filename: 'ecg.csv' }],
      output: { modality: 'image' },
      adapter: 'builtin.render',
      options: { width: 300 },
    });
    expect(job.status).toBe(200);
    expect(job.body.route.map((r) => r.adapter)).toEqual(['builtin.signal', 'builtin.render']);
    const { blobId, url } = job.body.outputs[0];
    workerOutput = blobId!;
    expect(await keys('blobs')).toContain(`e2e/blobs/${blobId!.slice(0, 2)}/${blobId}`);
    const png = Buffer.from(await (await fetch(`${api.url}${url}`)).arrayBuffer());
    expect(sha256(png)).toBe(blobId);
    expect((await sharp(png).metadata()).format).toBe('png');
  });

  it('probes an uploaded video with ffprobe from a local copy of the object', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('video/fixture.3gp')]), 'clip.3gp');
    const res = await fetch(`${api.url}/v1/detect`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { detected: { modality: string; meta: Record<string, unknown> }[] };
    expect(body.detected[0].modality).toBe('video');
    expect(body.detected[0].meta.durationS).toBeGreaterThan(0);
  });

  it('answers the OpenAI facade: speech of the built-in voice, converted to mp3 (two hops)', async () => {
    const response = await client.audio.speech.create({
      model: 'auto',
      input: 'Stored in a bucket.',
      voice: 'alloy',
      response_format: 'mp3',
    });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(response.headers.get('x-omnigate-route')).toBe(
      'text->audio builtin.speech | audio->audio builtin.audio',
    );
    const mp3 = Buffer.from(await response.arrayBuffer());
    expect(mp3.length).toBeGreaterThan(1000);
  });

  it('runs a batch: input file, lines on the worker, output file read back through the API', async () => {
    const lines = [
      {
        custom_id: 'echo',
        method: 'POST',
        url: '/v1/infer',
        body: { inputs: [{ text: 'hi' }], output: 'text', task: 'echo' },
      },
      {
        custom_id: 'image',
        method: 'POST',
        url: '/v1/infer',
        body: { inputs: [{ text: 'a line' }], output: 'image' },
      },
    ];
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'input.jsonl'),
      purpose: 'batch',
    });
    let batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/infer' as '/v1/chat/completions',
      // Within the 60 s the input file lives (BLOB_TTL_S); an omnigate extension of OpenAI's '24h'.
      completion_window: '50s' as '24h',
    });
    const deadline = Date.now() + 60_000;
    while (!['completed', 'failed', 'cancelled', 'expired'].includes(batch.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      batch = await client.batches.retrieve(batch.id);
    }
    expect(batch).toMatchObject({
      status: 'completed',
      request_counts: { total: 2, completed: 2, failed: 0 },
    });
    const output = await (await client.files.content(batch.output_file_id!)).text();
    const answers = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { custom_id: string; response: { body: JobBody } });
    const image = answers.find((a) => a.custom_id === 'image')!.response.body.outputs[0];
    const png = Buffer.from(await (await fetch(`${api.url}${image.url}`)).arrayBuffer());
    expect((await sharp(png).metadata()).format).toBe('png');
    expect(answers.find((a) => a.custom_id === 'echo')!.response.body.outputs[0].text).toBe('hi');
  });

  it('counts the bytes each process wrote to and read from the bucket (store="s3")', async () => {
    const sample = async (proc: GatewayProcess, name: string) => {
      const text = await (await fetch(`${proc.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{store="s3"}`));
      return Number(line?.split(' ')[1]);
    };
    // The API stored the uploads and read outputs for their downloads; the worker stored outputs.
    expect(await sample(api, 'omnigate_blob_written_bytes_total')).toBeGreaterThan(0);
    expect(await sample(api, 'omnigate_blob_read_bytes_total')).toBeGreaterThan(0);
    expect(await sample(worker, 'omnigate_blob_written_bytes_total')).toBeGreaterThan(0);
  });

  it('keeps nothing in either process folder: API and worker share only the bucket', () => {
    expect(storedFiles(apiDir())).toEqual([]);
    expect(storedFiles(workerDir())).toEqual([]);
  });

  it('streams a 200 MB upload through the API with bounded memory', async () => {
    const total = 200 * MiB;
    const chunk = Buffer.alloc(MiB, 0x2a);
    const hash = createHash('sha256');
    const pid = api.child.pid!;
    const before = rssOf(pid);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid) - before)), 50);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        hash.update(chunk);
        sent += chunk.length;
        controller.enqueue(new Uint8Array(chunk));
      },
    });
    try {
      const res = await fetch(`${api.url}/v1/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ id: hash.digest('hex'), bytes: total });
    } finally {
      clearInterval(sampler);
    }
    // 8 MiB parts, two in flight; what buffering the body would take is 200 MB.
    expect(peak).toBeLessThan(120 * MiB);
    expect(await keys('tmp')).toEqual([]);
  }, 120_000);

  it('answers 503 unavailable while the S3 server is down, writes nothing, and recovers when it is back', async () => {
    const before = (await keys('blobs')).sort();
    await s3.kill();
    try {
      const upload = await fetch(`${api.url}/v1/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'written while the bucket is away',
      });
      expect(upload.status).toBe(503);
      expect(upload.headers.get('retry-after')).toBe('2');
      expect(((await upload.json()) as { error: unknown }).error).toMatchObject({
        code: 'unavailable',
        message: 'the blob store (S3) is not reachable; try again shortly',
      });
      const download = await fetch(`${api.url}/v1/blobs/${workerOutput}`, { redirect: 'manual' });
      expect(download.status).toBe(503);
      expect(((await download.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      const job = await infer({
        inputs: [{ blobId: workerOutput }],
        output: { modality: 'image', mediaType: 'image/webp' },
      });
      expect(job.status).toBe(503);
      expect(job.body.error).toMatchObject({ code: 'unavailable' });
      // A job whose output cannot be stored fails as the store's fault, after its retries.
      const render = await infer({ inputs: [{ text: 'no bucket' }], output: 'image' });
      expect(render.body.error).toMatchObject({ code: 'unavailable' });
    } finally {
      await s3.start();
    }
    // Back on the same port and folder: the same processes work again, nothing half-written.
    const again = await fetch(`${api.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'written once the bucket is back',
    });
    expect(again.status).toBe(201);
    const rendered = await infer({ inputs: [{ text: 'bucket back' }], output: 'image' });
    expect(rendered.status).toBe(200);
    const after = await keys('blobs');
    expect(after.filter((k) => !before.includes(k))).toHaveLength(2);
    expect(await keys('tmp')).toEqual([]);
  }, 60_000);

  it('expires blobs not written for BLOB_TTL_S', async () => {
    // Written at `expiring.at`: its window ends within 60 s, and is swept once it is 60 s old.
    const deadline = expiring.at + 150_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${api.url}/v1/blobs/${expiring.id}`, { redirect: 'manual' })).status;
      if (status === 404) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(status).toBe(404);
    expect(await keys('blobs')).not.toContain(`e2e/blobs/${expiring.id.slice(0, 2)}/${expiring.id}`);
  }, 160_000);
});
