// Issue 7 (batches): with the official `openai` client, a JSONL of 300 lines that mixes
// modalities (text to image, PNG to WebP, a CSV signal to text, an audio clip to image, chat
// lines for a test backend) plus malformed lines runs on the real queues (BullMQ), and every
// valid line has one output with its custom_id, every bad one one error.
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, manifest, type ManifestEntry } from '../fixtures';
import { startBackendGateway, type BackendGateway, type TestGateway } from '../gateway-harness';
import type { OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

type ResultLine = {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string | null; body: Record<string, unknown> } | null;
  error: { code: string; message: string; line: number } | null;
};

interface JobBody {
  status: string;
  outputs: { modality: string; mediaType: string; text?: string; blobId?: string; bytes?: number }[];
  route: { adapter: string }[];
  detected: { modality: string; mediaType: string; meta: Record<string, unknown> }[];
}

const entry = (path: string): ManifestEntry => {
  const found = manifest().find((e) => e.path === path);
  if (!found) throw new Error(`${path} is not in the fixtures manifest`);
  return found;
};

const PNG = 'image/fixture.png';
const CSV = 'signal/mitdb-100-ecg-10s.csv';
const AUDIO = 'audio/fixture.mp3';

/** A fixed shuffle (xorshift), so a failure names the same line numbers every run. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const inferLine = (custom_id: string, body: unknown) => ({
  custom_id,
  method: 'POST',
  url: '/v1/infer',
  body,
});

describe('a batch of 300 mixed-modality lines plus malformed ones (official openai client, BullMQ)', () => {
  let setup: BackendGateway | undefined;
  let chat: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startBackendGateway(
      'bt',
      { chat: 'gpt-4o-mini' },
      { QUEUE_DRIVER: 'bullmq', BATCH_CONCURRENCY: '32' },
    );
    ({ backend: chat, gw, client } = setup);
  });
  afterAll(() => setup?.close());

  /** Uploads `bytes` once to /v1/blobs; lines then name it by blobId. */
  async function uploadBlob(bytes: Buffer, mediaType: string): Promise<string> {
    const res = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': mediaType },
      body: new Uint8Array(bytes),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function blobBytes(id: string): Promise<Buffer> {
    const res = await fetch(`${gw.url}/v1/blobs/${id}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it(
    'answers every valid line once by custom_id and every bad line with one error',
    { timeout: 60_000 },
    async () => {
      const png = fixture(PNG);
      const csv = fixture(CSV);
      const audio = fixture(AUDIO);
      const [pngBlob, csvBlob, audioBlob] = await Promise.all([
        uploadBlob(png, 'image/png'),
        uploadBlob(csv, 'text/csv'),
        uploadBlob(audio, 'audio/mpeg'),
      ]);
      const pngFile = await client.files.create({
        file: await toFile(png, 'fixture.png', { type: 'image/png' }),
        purpose: 'user_data',
      });
      const data = {
        png: png.toString('base64'),
        csv: csv.toString('base64'),
        audio: audio.toString('base64'),
      };

      type Kind = 'chat' | 'render' | 'webp' | 'signal' | 'audio';
      const valid: { id: string; kind: Kind; line: unknown; prompt?: string }[] = [];
      for (let i = 0; i < 170; i++) {
        const prompt = `question ${i}`;
        valid.push({
          id: `chat-${i}`,
          kind: 'chat',
          prompt,
          line: {
            custom_id: `chat-${i}`,
            method: 'POST',
            url: '/v1/chat/completions',
            body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] },
          },
        });
      }
      for (let i = 0; i < 60; i++) {
        valid.push({
          id: `render-${i}`,
          kind: 'render',
          line: inferLine(`render-${i}`, { inputs: [{ text: `render line ${i}` }], output: 'image' }),
        });
      }
      for (let i = 0; i < 40; i++) {
        // The three ways to give a batch line its input: base64, a blob id, a file id.
        const input = [
          { data: data.png, filename: 'fixture.png' },
          { blobId: pngBlob },
          { fileId: pngFile.id },
        ][i % 3]!;
        valid.push({
          id: `webp-${i}`,
          kind: 'webp',
          line: inferLine(`webp-${i}`, {
            inputs: [input],
            output: { modality: 'image', mediaType: 'image/webp' },
          }),
        });
      }
      for (let i = 0; i < 20; i++) {
        const input = i % 2 === 0 ? { data: data.csv, filename: 'ecg.csv' } : { blobId: csvBlob };
        valid.push({
          id: `signal-${i}`,
          kind: 'signal',
          line: inferLine(`signal-${i}`, { inputs: [input], output: { modality: 'text' } }),
        });
      }
      for (let i = 0; i < 10; i++) {
        const input = i % 2 === 0 ? { data: data.audio, filename: 'clip.mp3' } : { blobId: audioBlob };
        valid.push({
          id: `audio-${i}`,
          kind: 'audio',
          line: inferLine(`audio-${i}`, { inputs: [input], output: 'image' }),
        });
      }
      expect(valid).toHaveLength(300);

      const truncatedPng = png.subarray(0, Math.floor(png.length / 2)).toString('base64');
      const bad: { key: string; line: unknown; customId: string | null }[] = [
        { key: 'not-json', line: '{"custom_id": "never-parsed", "method": "POST"', customId: null },
        {
          key: 'no-custom-id',
          line: { method: 'POST', url: '/v1/infer', body: { inputs: [{ text: 'x' }], output: 'text' } },
          customId: null,
        },
        {
          key: 'bad-method',
          line: {
            custom_id: 'bad-method',
            method: 'GET',
            url: '/v1/infer',
            body: { inputs: [{ text: 'x' }] },
          },
          customId: 'bad-method',
        },
        {
          key: 'bad-url',
          line: { custom_id: 'bad-url', method: 'POST', url: '/v1/nope', body: {} },
          customId: 'bad-url',
        },
        {
          key: 'bad-modality',
          line: inferLine('bad-modality', { inputs: [{ text: 'x' }], output: { modality: 'hologram' } }),
          customId: 'bad-modality',
        },
        {
          // Declared a PNG and starts like one, but a chunk is corrupt: 422 before any job runs.
          key: 'corrupt-png',
          line: inferLine('corrupt-png', {
            inputs: [{ data: fixture('invalid/corrupt.png').toString('base64'), mediaType: 'image/png' }],
            output: { modality: 'image', mediaType: 'image/webp' },
          }),
          customId: 'corrupt-png',
        },
        {
          // Its header reads fine (detection passes); the job fails when the adapter decodes it.
          key: 'truncated-png',
          line: inferLine('truncated-png', {
            inputs: [{ data: truncatedPng, filename: 'half.png' }],
            output: { modality: 'image', mediaType: 'image/webp' },
          }),
          customId: 'truncated-png',
        },
      ];

      // The valid lines in a fixed shuffle, the bad ones spread among them.
      const lines: unknown[] = shuffled(valid).map((v) => v.line);
      const badAt = [0, 41, 97, 150, 203, 250, 304];
      bad.forEach((b, i) => lines.splice(badAt[i]!, 0, b.line));
      expect(lines).toHaveLength(307);
      /** 1-based line number of each bad line in the file. */
      const lineOf = new Map(bad.map((b) => [b.key, lines.indexOf(b.line) + 1]));
      const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

      const file = await client.files.create({
        file: await toFile(Buffer.from(text), 'mixed.jsonl'),
        purpose: 'batch',
      });
      expect(file).toMatchObject({ purpose: 'batch', bytes: Buffer.byteLength(text) });
      const created = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/infer' as '/v1/chat/completions',
        completion_window: '24h',
      });
      expect(created.status).toBe('validating');

      let done = created;
      const deadline = Date.now() + 50_000;
      while (!['completed', 'failed', 'cancelled', 'expired'].includes(done.status)) {
        if (Date.now() > deadline)
          throw new Error(`batch stuck in ${done.status}: ${JSON.stringify(done.request_counts)}`);
        await new Promise((r) => setTimeout(r, 200));
        done = await client.batches.retrieve(created.id);
      }
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: 307, completed: 300, failed: 7 });

      const read = async (id: string | null | undefined) =>
        id
          ? (await (await client.files.content(id)).text())
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l) as ResultLine)
          : [];
      const outputs = await read(done.output_file_id);
      const errors = await read(done.error_file_id);
      expect(outputs).toHaveLength(300);
      expect(errors).toHaveLength(7);

      // Every custom_id exactly once across both files; the two bad lines without one are null.
      const seen = [...outputs, ...errors].map((l) => l.custom_id);
      const expected = [...valid.map((v) => v.id), ...bad.map((b) => b.customId)];
      const order = (ids: (string | null)[]) => ids.map((id) => id ?? '<null>').sort();
      expect(order(seen)).toEqual(order(expected));
      expect(new Set([...outputs, ...errors].map((l) => l.id)).size).toBe(307);

      // Outputs: each carries the answer to its own line.
      const byId = new Map(outputs.map((o) => [o.custom_id, o]));
      const pngMeta = entry(PNG);
      const csvMeta = entry(CSV) as ManifestEntry & {
        sample_rate_hz: number;
        samples: number;
        channels: string[];
      };
      const audioMeta = entry(AUDIO) as ManifestEntry & { duration_s: number };
      const renderBlobs = new Set<string>();
      const webpBlobs = new Set<string>();
      const decoded = new Map<string, sharp.Metadata>();
      const metadataOf = async (blobId: string) => {
        let meta = decoded.get(blobId);
        if (!meta) {
          meta = await sharp(await blobBytes(blobId)).metadata();
          decoded.set(blobId, meta);
        }
        return meta;
      };
      for (const v of valid) {
        const out = byId.get(v.id);
        expect(out, v.id).toBeDefined();
        expect(out!.error).toBeNull();
        expect(out!.id).toMatch(/^batch_req_/);
        expect(out!.response?.status_code, v.id).toBe(200);
        expect(out!.response?.request_id).toBeTruthy();
        const body = out!.response!.body;
        if (v.kind === 'chat') {
          expect(body).toMatchObject({ object: 'chat.completion', model: 'bt.chat' });
          const choices = (body as { choices: { message: { content: string } }[] }).choices;
          expect(choices[0]?.message.content).toBe(`Echo: ${v.prompt}`);
          continue;
        }
        const job = body as unknown as JobBody;
        expect(job.status).toBe('completed');
        expect(job.outputs).toHaveLength(1);
        const [output] = job.outputs;
        if (v.kind === 'signal') {
          expect(job.detected[0]?.modality).toBe('signal');
          expect(output).toMatchObject({ modality: 'text' });
          expect(output!.text).toContain(`${csvMeta.sample_rate_hz} Hz`);
          expect(output!.text).toContain(`${csvMeta.samples} samples`);
          expect(output!.text).toContain(`${csvMeta.channels.length} channels`);
          for (const name of csvMeta.channels) expect(output!.text).toContain(name);
          continue;
        }
        expect(output!.modality).toBe('image');
        expect(output!.blobId).toBeTruthy();
        const meta = await metadataOf(output!.blobId!);
        if (v.kind === 'webp') {
          expect(output!.mediaType).toBe('image/webp');
          expect(job.detected[0]).toMatchObject({ modality: 'image', mediaType: 'image/png' });
          expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
            format: 'webp',
            width: pngMeta.width,
            height: pngMeta.height,
          });
          webpBlobs.add(output!.blobId!);
        } else if (v.kind === 'render') {
          expect(output!.mediaType).toBe('image/png');
          expect(meta.format).toBe('png');
          expect(meta.width).toBeGreaterThan(0);
          expect(meta.height).toBeGreaterThan(0);
          renderBlobs.add(output!.blobId!);
        } else {
          expect(output!.mediaType).toBe('image/png');
          expect(meta.format).toBe('png');
          expect(meta.width).toBeGreaterThan(0);
          expect(job.detected[0]?.modality).toBe('audio');
          expect(job.detected[0]?.meta.durationS).toBeCloseTo(audioMeta.duration_s, 1);
        }
      }
      // Each text drew its own picture; the PNG sent inline and by blobId converted to the same WebP.
      expect(renderBlobs.size).toBe(60);
      expect(webpBlobs.size).toBe(1);

      // The chat backend saw each chat line once, and nothing else sent it a chat request.
      const chatCalls = chat.requests.filter((r) => r.path === '/v1/chat/completions');
      expect(chatCalls).toHaveLength(170);
      const asked = chatCalls.map(
        (r) => (r.body as { messages: { content: string }[] }).messages.at(-1)!.content,
      );
      expect(asked.sort()).toEqual(
        valid
          .filter((v) => v.kind === 'chat')
          .map((v) => v.prompt)
          .sort(),
      );

      // Errors: the right custom_id (null without one), the line number, and why.
      const errorOf = (key: string) => {
        const b = bad.find((x) => x.key === key)!;
        const line = lineOf.get(key)!;
        const found = errors.filter((e) => e.custom_id === b.customId && e.error?.line === line);
        expect(found, key).toHaveLength(1);
        return found[0]!;
      };
      for (const key of ['not-json', 'no-custom-id', 'bad-method', 'bad-url']) {
        expect(errorOf(key), key).toMatchObject({
          id: expect.stringMatching(/^batch_req_/),
          response: null,
          error: { code: 'invalid_request', line: lineOf.get(key) },
        });
      }
      expect(errorOf('bad-url').error?.message).toContain('/v1/nope');
      // The body passes the line schema (modalities are an open set); the endpoint refuses it, 400.
      const badModality = errorOf('bad-modality');
      expect(badModality.error).toMatchObject({ code: 'invalid_request', line: lineOf.get('bad-modality') });
      expect(badModality.error?.message).toContain('hologram');
      // Its body parses; the unknown modality is found when its job is submitted.
      expect(badModality.response).toMatchObject({ status_code: 400, request_id: null });
      expect(errorOf('corrupt-png')).toMatchObject({
        response: { status_code: 422 },
        error: { code: 'unprocessable_input', line: lineOf.get('corrupt-png') },
      });
      // The truncated PNG failed in its job: the error names the job, which is failed.
      const truncated = errorOf('truncated-png');
      expect(truncated).toMatchObject({
        response: { status_code: 422 },
        error: { code: 'unprocessable_input', line: lineOf.get('truncated-png') },
      });
      const jobId = truncated.response!.request_id;
      expect(jobId).toBeTruthy();
      const failedJob = (await (await fetch(`${gw.url}/v1/jobs/${jobId}`)).json()) as {
        status: string;
        error: { code: string };
        route: { adapter: string }[];
      };
      expect(failedJob).toMatchObject({ status: 'failed', error: { code: 'unprocessable_input' } });
    },
  );
});
