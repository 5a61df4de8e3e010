import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobTooLargeError } from './blob-errors';
import { FsBlobStore } from './fs-blob-store';
import { MemoryJobBlobTier } from './job-blob-tier';
import { TieredBlobStore } from './tiered-blob-store';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('TieredBlobStore', () => {
  let dir: string;
  let store: TieredBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnigate-tiered-'));
    store = new TieredBlobStore(new MemoryJobBlobTier(60), new FsBlobStore(dir), 1024);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const shards = async () => (await readdir(dir)).filter((name) => name !== 'tmp');

  it('keeps a small job-scoped input off the disk and reads it back every way', async () => {
    const data = Buffer.from('a,b\n1,2\n3,4\n');
    const info = await store.put(data, { scope: 'job', mediaType: 'text/csv' });
    expect(await shards()).toEqual([]);
    expect(await store.stat(info.id)).toMatchObject({ bytes: data.length, mediaType: 'text/csv' });
    expect((await store.read(info.id)).equals(data)).toBe(true);
    expect((await store.readPrefix(info.id, 3)).toString()).toBe('a,b');
    expect((await collect(store.stream(info.id))).equals(data)).toBe(true);
  });

  it('stages a small job-scoped blob: its id at once, its bytes once written; anything else is put', async () => {
    const data = Buffer.from('a prompt');
    const staged = store.stage(data, { scope: 'job', mediaType: 'text/plain' });
    expect(staged?.info).toMatchObject({ bytes: data.length, mediaType: 'text/plain' });
    await staged?.written;
    expect((await store.read(staged!.info.id)).equals(data)).toBe(true);
    expect(staged?.info.id).toBe((await store.put(data, { scope: 'job' })).id);
    expect(store.stage(Buffer.alloc(2048), { scope: 'job' })).toBeUndefined();
    expect(store.stage(data, {})).toBeUndefined();
    expect(() => store.stage(data, { scope: 'job', maxBytes: 3 })).toThrow(BlobTooLargeError);
  });

  it('writes big inputs, streams and uploads without a scope to the durable store', async () => {
    const big = await store.put(Buffer.alloc(2048, 1), { scope: 'job' });
    const upload = await store.put(Buffer.from('kept for days'));
    expect(await shards()).not.toEqual([]);
    expect((await store.read(big.id)).length).toBe(2048);
    expect((await store.read(upload.id)).toString()).toBe('kept for days');
  });

  it('enforces maxBytes in the job tier too', async () => {
    await expect(store.put(Buffer.alloc(100), { scope: 'job', maxBytes: 10 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
  });

  it("prefers the durable store's metadata for the same bytes", async () => {
    const data = Buffer.from('same bytes');
    await store.put(data, { scope: 'job' });
    const uploaded = await store.put(data, { mediaType: 'text/plain' });
    expect((await store.stat(uploaded.id))?.mediaType).toBe('text/plain');
  });
});
