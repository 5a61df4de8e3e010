import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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

  it('counts the bytes each tier writes and hands to readers', async () => {
    const counted = { jobTier: { written: 0, read: 0 }, durable: { written: 0, read: 0 } };
    const traffic = (tier: { written: number; read: number }) => ({
      written: (bytes: number) => void (tier.written += bytes),
      read: (bytes: number) => void (tier.read += bytes),
    });
    const metered = new TieredBlobStore(new MemoryJobBlobTier(60), new FsBlobStore(dir), 1024, {
      jobTier: traffic(counted.jobTier),
      durable: traffic(counted.durable),
    });
    const small = Buffer.from('a small prompt');
    const staged = metered.stage(small, { scope: 'job' })!;
    // Counted once written.
    expect(counted.jobTier.written).toBe(0);
    await staged.written;
    const fromStream = await metered.put(Readable.from([Buffer.alloc(3000, 1), Buffer.alloc(2000, 2)]));
    const big = await metered.put(Buffer.alloc(2048, 3), { scope: 'job' });
    expect(counted).toEqual({ jobTier: { written: 14, read: 0 }, durable: { written: 7048, read: 0 } });

    await metered.read(staged.info.id);
    await metered.readPrefix(staged.info.id, 5);
    await metered.readPrefix(staged.info.id, 100);
    await collect(metered.stream(staged.info.id));
    expect(counted.jobTier.read).toBe(14 + 5 + 14 + 14);
    await metered.read(big.id);
    await metered.readPrefix(fromStream.id, 10);
    await collect(metered.stream(fromStream.id));
    // stat and localPath read no content.
    await metered.stat(fromStream.id);
    await metered.localPath(fromStream.id);
    expect(counted.durable.read).toBe(2048 + 10 + 5000);
    expect(counted.jobTier.written + counted.durable.written).toBe(14 + 5000 + 2048);
  });
});
