import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, manifest } from '../../../../test/fixtures';
import { startS3Server, type S3Server } from '../../../../test/s3-server';
import { BlobNotFoundError, BlobStoreUnavailableError, BlobTooLargeError } from './blob-errors';
import { blobStoreFromEnv, type S3StoreConfig } from './blob-store-config';
import { createS3Client } from './s3-client';
import { S3BlobStore } from './s3-blob-store';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const HOUR_MS = 3600_000;
const MiB = 1024 * 1024;

describe('S3BlobStore against s3rver', () => {
  let server: S3Server;
  let config: S3StoreConfig;
  let raw: S3Client;
  let dir: string;
  let now: number;
  let store: S3BlobStore;

  beforeAll(async () => {
    server = await startS3Server();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    raw = createS3Client(blobStoreFromEnv(server.env) as S3StoreConfig);
  });
  afterAll(async () => {
    raw?.destroy();
    await server?.stop();
  });

  const newStore = (overrides: Partial<{ localCopiesMaxBytes: number; maxAttempts: number }> = {}) =>
    new S3BlobStore({
      client: createS3Client({ ...config, ...overrides }),
      bucket: config.bucket,
      prefix: config.prefix,
      ttlS: 3600,
      localCopiesDir: join(dir, 's3-copies'),
      localCopiesMaxBytes: overrides.localCopiesMaxBytes ?? 64 * MiB,
      clock: () => now,
    });

  beforeEach(async () => {
    // Each test in a prefix of its own: one bucket, no test sees another's objects.
    config = blobStoreFromEnv({ ...server.env, S3_PREFIX: `t-${randomUUID()}` }) as S3StoreConfig;
    dir = await mkdtemp(join(tmpdir(), 'omnigate-s3-store-'));
    now = Date.now();
    store = newStore();
  });
  afterEach(async () => {
    await store.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every key under the test's prefix, by kind (blobs, tmp, expiry). */
  async function keys(kind?: 'blobs' | 'tmp' | 'expiry'): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await raw.send(
        new ListObjectsV2Command({
          Bucket: config.bucket,
          Prefix: `${config.prefix}${kind ? `${kind}/` : ''}`,
          ...(token && { ContinuationToken: token }),
        }),
      );
      out.push(...(page.Contents ?? []).map((o) => o.Key!.slice(config.prefix.length)));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }
  const contentKey = (id: string) => `blobs/${id.slice(0, 2)}/${id}`;

  describe('put', () => {
    it('stores a Buffer under its sha256, with its metadata on the object', async () => {
      const data = Buffer.from('hello blobs');
      const info = await store.put(data, { mediaType: 'text/plain', filename: 'héllo wörld.txt' });

      expect(info).toEqual({
        id: sha256(data),
        bytes: data.length,
        mediaType: 'text/plain',
        filename: 'héllo wörld.txt',
        createdAt: new Date(now).toISOString(),
      });
      expect(await keys('blobs')).toEqual([contentKey(info.id)]);
      // Another process (no cache) sees the same.
      const other = newStore();
      expect(await other.stat(info.id)).toEqual(info);
      expect(await other.read(info.id)).toEqual(data);
      await other.onApplicationShutdown();
    });

    it('stores a stream of several parts (multipart through a temporary key) and an async iterable', async () => {
      // 20 MiB: more than two 8 MiB parts; each byte depends on its position.
      const size = 20 * MiB + 123;
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) big.writeUInt32LE(i, i);
      const chunks = Array.from({ length: Math.ceil(size / 65536) }, (_, i) =>
        big.subarray(i * 65536, (i + 1) * 65536),
      );

      const info = await store.put(Readable.from(chunks), { mediaType: 'application/x-test' });
      async function* small(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1000, i);
      }
      const smallInfo = await store.put(small());

      expect(info).toMatchObject({ id: sha256(big), bytes: size, mediaType: 'application/x-test' });
      expect(smallInfo).toMatchObject({ bytes: 100_000 });
      expect(sha256(await newStore().read(info.id))).toBe(info.id);
      expect(await keys('tmp')).toEqual([]);
      expect(await keys('blobs')).toEqual([contentKey(info.id), contentKey(smallInfo.id)].sort());
    });

    it('streams a real fixture and matches the manifest hash; ranged reads of it', async () => {
      const entry = manifest().find((e) => e.path === 'image/fixture.png')!;
      const info = await store.put(createReadStream(join(FIXTURES_DIR, 'image/fixture.png')), {
        mediaType: 'image/png',
      });
      expect(info).toMatchObject({ id: entry.sha256, bytes: entry.bytes });
      const fresh = newStore(); // nothing cached: a Range GET
      expect(await fresh.readPrefix(info.id, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      expect((await fresh.readPrefix(info.id, 10 * entry.bytes)).length).toBe(entry.bytes);
      await fresh.onApplicationShutdown();
    });

    it('gives the same bytes the same id and one object; what an upload leaves out is kept', async () => {
      const data = Buffer.from('same bytes');
      const first = await store.put(data, { mediaType: 'text/plain' });
      now += 1000;
      const second = await store.put(Readable.from([data]), { filename: 'again.txt' });

      expect(second).toMatchObject({ id: first.id, mediaType: 'text/plain', filename: 'again.txt' });
      expect(await newStore().stat(first.id)).toEqual(second);
      expect(await keys('blobs')).toEqual([contentKey(first.id)]);
    });

    it('survives concurrent puts of the same content', async () => {
      const data = Buffer.alloc(9 * MiB, 7); // past one part: streams go through tmp/
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          store.put(i % 2 ? Readable.from([data.subarray(0, 1000), data.subarray(1000)]) : data),
        ),
      );
      expect(new Set(results.map((r) => r.id))).toEqual(new Set([sha256(data)]));
      expect(await keys('blobs')).toEqual([contentKey(sha256(data))]);
      expect(await keys('tmp')).toEqual([]);
    });

    it.each([
      ['a Buffer', () => Buffer.alloc(11), 10],
      ['a small stream', () => Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 10],
      // Past a part: the multipart upload has begun when the limit is crossed.
      [
        'a multipart stream',
        () => Readable.from(Array.from({ length: 20 }, () => Buffer.alloc(MiB))),
        12 * MiB,
      ],
    ])('refuses %s past maxBytes and leaves nothing behind', async (_label, data, maxBytes) => {
      const source = data();
      const err = await store.put(source, { maxBytes }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlobTooLargeError);
      expect(err).toMatchObject({ limit: maxBytes });
      if (source instanceof Readable) expect(source.destroyed).toBe(true);
      expect(await keys()).toEqual([]);
    });

    it('passes a failing source on; nothing under a content key', async () => {
      async function* broken(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 12; i++) yield Buffer.alloc(MiB, i);
        throw new Error('client went away');
      }
      await expect(store.put(broken())).rejects.toThrow('client went away');
      expect(await keys('blobs')).toEqual([]);
      expect(await keys('tmp')).toEqual([]);
    });

    it('accepts exactly maxBytes, and refuses a limit that is not a number of bytes', async () => {
      expect((await store.put(Buffer.alloc(10), { maxBytes: 10 })).bytes).toBe(10);
      await expect(store.put(Buffer.alloc(1), { maxBytes: Number.NaN })).rejects.toThrow(RangeError);
    });
  });

  describe('reading', () => {
    const data = Buffer.from('0123456789abcdef');
    let id: string;
    let fresh: S3BlobStore;

    beforeEach(async () => {
      ({ id } = await store.put(data, { mediaType: 'text/plain' }));
      fresh = newStore(); // reads go to the server, not the cache
    });
    afterEach(() => fresh.onApplicationShutdown());

    it('reads, ranges and streams from the server', async () => {
      expect(await fresh.read(id)).toEqual(data);
      expect(await fresh.readPrefix(id, 4)).toEqual(Buffer.from('0123'));
      expect(await fresh.readPrefix(id, 0)).toEqual(Buffer.alloc(0));
      expect(await fresh.readPrefix(id, 1_000_000_000)).toEqual(data);
      await expect(fresh.readPrefix(id, -1)).rejects.toThrow(RangeError);
      expect(await collect(fresh.stream(id))).toEqual(data);
    });

    it('reads an empty blob', async () => {
      const empty = await store.put(Buffer.alloc(0));
      expect(await fresh.read(empty.id)).toEqual(Buffer.alloc(0));
      expect(await fresh.stat(empty.id)).toMatchObject({ bytes: 0 });
      // Not readPrefix: s3rver answers a Range of an empty object with a 206 that promises a byte
      // and drops the connection (S3 answers 416, which readPrefix takes as empty).
    });

    it('reads metadata written by something else as defaults', async () => {
      const foreign = Buffer.from('put by another tool');
      await raw.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: `${config.prefix}${contentKey(sha256(foreign))}`,
          Body: foreign,
        }),
      );
      expect(await fresh.stat(sha256(foreign))).toMatchObject({
        bytes: foreign.length,
        mediaType: 'application/octet-stream',
      });
    });

    it.each([
      ['missing', sha256(Buffer.from('never stored'))],
      ['path traversal', '../../etc/passwd'],
      ['uppercase hex', sha256(data).toUpperCase()],
    ])('treats a %s id as not found', async (_label, badId) => {
      expect(await fresh.stat(badId)).toBeUndefined();
      await expect(fresh.read(badId)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(fresh.readPrefix(badId, 4)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(collect(fresh.stream(badId))).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await fresh.touch(badId)).toBe(false);
      expect(await fresh.localPath(badId)).toBeUndefined();
    });

    it('gives tools a bounded local copy, and none past the bound', async () => {
      const path = await fresh.localPath(id);
      expect(path).toBeDefined();
      expect(await readFile(path!)).toEqual(data);
      expect(await fresh.localPath(id)).toBe(path); // kept, not fetched again

      const tiny = newStore({ localCopiesMaxBytes: 8 });
      expect(await tiny.localPath(id)).toBeUndefined();
      await tiny.onApplicationShutdown();

      await fresh.onApplicationShutdown();
      expect(await readdir(join(dir, 's3-copies'))).toEqual([]);
    });
  });

  describe('expiry', () => {
    it('removes blobs last written before the cutoff and keeps newer and touched ones', async () => {
      const old = await store.put(Buffer.from('old'));
      const touched = await store.put(Buffer.from('touched'));
      const again = await store.put(Readable.from([Buffer.from('uploaded again')]));
      now += 2 * HOUR_MS;
      expect(await store.touch(touched.id)).toBe(true);
      await store.put(Buffer.from('uploaded again'));
      const fresh = await store.put(Buffer.from('fresh'));

      expect(await store.sweep(new Date(now - HOUR_MS))).toBe(1);

      expect(await store.stat(old.id)).toBeUndefined();
      for (const kept of [touched, again, fresh]) expect(await store.stat(kept.id)).toBeDefined();
      expect(await keys('blobs')).toHaveLength(3);
      // The swept window's markers went; the later writes' markers stay.
      expect((await keys('expiry')).map((k) => k.split('/')[2]).sort()).toEqual(
        [touched.id, again.id, fresh.id].sort(),
      );
      // Later, all of them expire, and the index is empty again.
      now += 3 * HOUR_MS;
      expect(await store.sweep(new Date(now - HOUR_MS))).toBe(3);
      expect(await keys()).toEqual([]);
    });

    it('removes temporary objects of uploads that died an hour ago', async () => {
      await raw.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}tmp/dead`, Body: 'x' }),
      );
      expect(await store.sweep(new Date(now - HOUR_MS))).toBe(0);
      expect(await keys('tmp')).toEqual(['tmp/dead']); // maybe still in flight
      now += 2 * HOUR_MS;
      expect(await store.sweep(new Date(now - HOUR_MS))).toBe(0);
      expect(await keys('tmp')).toEqual([]);
    });

    it('returns 0 on an empty prefix', async () => {
      expect(await store.sweep(new Date(now))).toBe(0);
    });
  });

  it('checks its bucket: a missing one is an error, not a store of missing blobs', async () => {
    await expect(store.checkBucket()).resolves.toBeUndefined();
    const elsewhere = new S3BlobStore({
      client: createS3Client({ ...config, bucket: 'no-such-bucket' }),
      bucket: 'no-such-bucket',
      prefix: '',
      ttlS: 3600,
      localCopiesDir: join(dir, 'elsewhere'),
      localCopiesMaxBytes: 0,
    });
    try {
      await expect(elsewhere.checkBucket()).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      await expect(elsewhere.put(Buffer.from('x'))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      await elsewhere.onApplicationShutdown();
    }
  });

  describe('the server down', () => {
    it('fails as BlobStoreUnavailableError, writes nothing, and works again once the server is back', async () => {
      const before = await store.put(Buffer.from('stored before'));
      const quick = newStore({ maxAttempts: 2 });
      await server.kill();
      try {
        for (const attempt of [
          () => quick.put(Buffer.from('a buffer')),
          () => quick.put(Readable.from(Array.from({ length: 12 }, () => Buffer.alloc(MiB, 1)))),
          () => quick.stat(sha256(Buffer.from('anything'))),
          () => quick.read(before.id),
          () => collect(quick.stream(before.id)),
          () => quick.touch(before.id),
          () => quick.sweep(new Date(now)),
        ]) {
          const err = await attempt().catch((e: unknown) => e);
          const found = err instanceof AggregateError ? err.errors[0] : err;
          expect(found).toBeInstanceOf(BlobStoreUnavailableError);
          expect((found as Error).message).toBe('the blob store (S3) is not reachable');
        }
      } finally {
        await server.start();
      }
      expect(await quick.read(before.id)).toEqual(Buffer.from('stored before'));
      expect((await quick.put(Buffer.from('a buffer'))).bytes).toBe(8);
      expect(await keys('blobs')).toHaveLength(2);
      expect(await keys('tmp')).toEqual([]);
      await quick.onApplicationShutdown();
    });
  });
});

describe('S3BlobStore memory', () => {
  it('streams a 200 MB upload with bounded memory', async () => {
    const server = await startS3Server();
    const dir = await mkdtemp(join(tmpdir(), 'omnigate-s3-store-'));
    const config = blobStoreFromEnv({ ...server.env, S3_PREFIX: 'memory' }) as S3StoreConfig;
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    const store = new S3BlobStore({
      client: createS3Client(config),
      bucket: config.bucket,
      prefix: config.prefix,
      ttlS: 3600,
      localCopiesDir: join(dir, 'copies'),
      localCopiesMaxBytes: 0,
    });
    try {
      const total = 200 * MiB;
      const chunk = Buffer.alloc(MiB, 0x5a);
      const hash = createHash('sha256');
      let peak = 0;
      global.gc?.();
      const before = process.memoryUsage().rss;
      async function* body(): AsyncGenerator<Buffer> {
        for (let sent = 0; sent < total; sent += chunk.length) {
          hash.update(chunk);
          peak = Math.max(peak, process.memoryUsage().rss - before);
          yield Buffer.from(chunk); // a new buffer each time, as from a socket
        }
      }
      const info = await store.put(body());
      expect(info).toMatchObject({ id: hash.digest('hex'), bytes: total });
      // Parts of 8 MiB, two in flight, and the garbage of 200 copies not yet collected.
      expect(peak).toBeLessThan(120 * MiB);
    } finally {
      await store.onApplicationShutdown();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
