import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixture, manifest } from '../../../../test/fixtures';
import { BlobNotFoundError, BlobTooLargeError } from './blob-errors';
import { FsBlobStore } from './fs-blob-store';

// Large buffers are compared by hash: deep equality walks them byte by byte, slowly.
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const HOUR_MS = 60 * 60 * 1000;

describe('FsBlobStore', () => {
  let dir: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnigate-blobs-'));
    store = new FsBlobStore(dir);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const contentPath = (id: string): string => join(dir, id.slice(0, 2), id.slice(2, 4), id);

  /** Every file under the store except those in tmp/. */
  async function storedFiles(): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !e.parentPath.startsWith(join(dir, 'tmp')))
      .map((e) => join(e.parentPath, e.name))
      .sort();
  }

  async function setMtime(id: string, when: Date): Promise<void> {
    await utimes(contentPath(id), when, when);
    await utimes(`${contentPath(id)}.json`, when, when);
  }

  describe('put', () => {
    it('stores a Buffer under its sha256 with a sidecar', async () => {
      const data = Buffer.from('hello blobs');
      const info = await store.put(data, { mediaType: 'text/plain', filename: 'hello.txt' });

      expect(info).toEqual({
        id: sha256(data),
        bytes: data.length,
        mediaType: 'text/plain',
        filename: 'hello.txt',
        createdAt: expect.any(String),
      });
      expect(await readFile(contentPath(info.id))).toEqual(data);
      const sidecar: unknown = JSON.parse(await readFile(`${contentPath(info.id)}.json`, 'utf8'));
      expect(sidecar).toEqual({ mediaType: 'text/plain', filename: 'hello.txt', createdAt: info.createdAt });
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });

    it('stores a Readable stream', async () => {
      const parts = [Buffer.from('one,'), Buffer.from('two,'), Buffer.from('three')];
      const info = await store.put(Readable.from(parts));

      expect(info.id).toBe(sha256(Buffer.concat(parts)));
      expect(info.bytes).toBe(13);
      expect(info.mediaType).toBe('application/octet-stream');
      expect(info.filename).toBeUndefined();
    });

    it('stores an async iterable', async () => {
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1000, i);
      }
      const expected = Buffer.concat(Array.from({ length: 100 }, (_, i) => Buffer.alloc(1000, i)));

      const info = await store.put(chunks());

      expect(info).toMatchObject({ id: sha256(expected), bytes: 100_000 });
      expect(sha256(await store.read(info.id))).toBe(sha256(expected));
    });

    it('stores empty content', async () => {
      const info = await store.put(Buffer.alloc(0));
      expect(info).toMatchObject({ id: sha256(Buffer.alloc(0)), bytes: 0 });
      expect(await store.read(info.id)).toEqual(Buffer.alloc(0));
    });

    it('streams a real fixture from disk and matches the manifest hash', async () => {
      const entry = manifest().find((e) => e.path === 'image/fixture.png');
      expect(entry).toBeDefined();

      const info = await store.put(createReadStream(join(FIXTURES_DIR, 'image/fixture.png')), {
        mediaType: 'image/png',
        filename: 'fixture.png',
      });

      expect(info.id).toBe(entry?.sha256);
      expect(info.bytes).toBe(entry?.bytes);
      expect(sha256(await store.read(info.id))).toBe(sha256(fixture('image/fixture.png')));
      const prefix = await store.readPrefix(info.id, 8);
      expect(prefix).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    });

    it('gives the same content the same id and keeps one file', async () => {
      const data = Buffer.from('same bytes');
      const first = await store.put(data, { mediaType: 'text/plain' });
      const second = await store.put(Readable.from([data]), { filename: 'again.txt' });

      expect(second.id).toBe(first.id);
      expect(await storedFiles()).toEqual([contentPath(first.id), `${contentPath(first.id)}.json`]);
      // What the second upload leaves out is kept from the first.
      expect(second).toMatchObject({ mediaType: 'text/plain', filename: 'again.txt' });
      expect(await store.stat(first.id)).toEqual(second);
    });

    it('survives concurrent puts of the same content', async () => {
      const data = Buffer.alloc(256 * 1024, 7);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.put(i % 2 ? Readable.from([data.subarray(0, 1000), data.subarray(1000)]) : data),
        ),
      );

      expect(new Set(results.map((r) => r.id))).toEqual(new Set([sha256(data)]));
      expect(await storedFiles()).toHaveLength(2);
      expect(sha256(await store.read(sha256(data)))).toBe(sha256(data));
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });

    it('accepts exactly maxBytes', async () => {
      const info = await store.put(Buffer.alloc(10), { maxBytes: 10 });
      expect(info.bytes).toBe(10);
    });

    it('refuses a limit that is not a number of bytes', async () => {
      await expect(store.put(Buffer.alloc(1), { maxBytes: Number.NaN })).rejects.toThrow(RangeError);
      await expect(store.put(Buffer.alloc(1), { maxBytes: -1 })).rejects.toThrow(RangeError);
    });

    it.each([
      ['a Buffer', () => Buffer.alloc(11)],
      ['a stream', () => Readable.from([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)])],
    ])('refuses %s past maxBytes and leaves nothing behind', async (_label, data) => {
      const err = await store.put(data(), { maxBytes: 10 }).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(BlobTooLargeError);
      expect(err).toMatchObject({ name: 'BlobTooLargeError', limit: 10 });
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      expect(await storedFiles()).toEqual([]);
    });

    it('passes a failing source on and cleans up', async () => {
      async function* broken(): AsyncGenerator<Buffer> {
        yield Buffer.from('partial');
        throw new Error('client went away');
      }
      await expect(store.put(broken())).rejects.toThrow('client went away');
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      expect(await storedFiles()).toEqual([]);
    });
  });

  describe('reading', () => {
    const data = Buffer.from('0123456789abcdef');
    let id: string;

    beforeEach(async () => {
      ({ id } = await store.put(data, { mediaType: 'text/plain' }));
    });

    it('stats a blob', async () => {
      expect(await store.stat(id)).toEqual({
        id,
        bytes: 16,
        mediaType: 'text/plain',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });

    it('reads the whole blob and a prefix', async () => {
      expect(await store.read(id)).toEqual(data);
      expect(await store.readPrefix(id, 4)).toEqual(Buffer.from('0123'));
      expect(await store.readPrefix(id, 0)).toEqual(Buffer.alloc(0));
      expect(await store.readPrefix(id, 1_000_000_000)).toEqual(data);
      await expect(store.readPrefix(id, -1)).rejects.toThrow(RangeError);
    });

    it('streams a blob', async () => {
      expect(await collect(store.stream(id))).toEqual(data);
    });

    it('streams a blob larger than one read chunk', async () => {
      const big = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
      const info = await store.put(big);
      expect(sha256(await collect(store.stream(info.id)))).toBe(info.id);
    });

    it('falls back to defaults when the sidecar is missing or corrupt', async () => {
      // Another process on the same folder: nothing of this blob in its memory.
      const other = () => new FsBlobStore(dir);
      await rm(`${contentPath(id)}.json`);
      expect(await other().stat(id)).toMatchObject({ id, bytes: 16, mediaType: 'application/octet-stream' });
      await writeFile(`${contentPath(id)}.json`, '{"mediaType":');
      expect(await other().stat(id)).toMatchObject({ mediaType: 'application/octet-stream' });
    });

    it('serves small blobs it just wrote from memory, and big ones from disk', async () => {
      const big = Buffer.alloc(300 * 1024, 7);
      const bigInfo = await store.put(big);
      await rm(contentPath(id));
      await rm(contentPath(bigInfo.id));
      expect((await store.read(id)).equals(data)).toBe(true);
      await expect(store.read(bigInfo.id)).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it.each([
      ['missing', sha256(Buffer.from('never stored'))],
      ['path traversal', '../../etc/passwd'],
      ['too short', 'abc'],
      ['uppercase hex', sha256(data).toUpperCase()],
      ['traversal padded to 64 chars', `../../${'a'.repeat(58)}`],
    ])('treats a %s id as not found', async (_label, badId) => {
      expect(await store.stat(badId)).toBeUndefined();
      await expect(store.read(badId)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(store.read(badId)).rejects.toMatchObject({ name: 'BlobNotFoundError', id: badId });
      await expect(store.readPrefix(badId, 4)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(collect(store.stream(badId))).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('keeps the filesystem error as cause', async () => {
      const missing = sha256(Buffer.from('never stored'));
      const err = await store.read(missing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlobNotFoundError);
      expect((err as Error).cause).toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('sweep', () => {
    it('removes blobs last written before the cutoff and keeps newer ones', async () => {
      const old = await store.put(Buffer.from('old'));
      const fresh = await store.put(Buffer.from('fresh'));
      await setMtime(old.id, new Date(Date.now() - 2 * HOUR_MS));

      expect(await store.sweep(new Date(Date.now() - HOUR_MS))).toBe(1);

      expect(await store.stat(old.id)).toBeUndefined();
      expect(await store.stat(fresh.id)).toBeDefined();
      expect(await storedFiles()).toEqual([contentPath(fresh.id), `${contentPath(fresh.id)}.json`]);
    });

    it('does not remove a blob that was uploaded again', async () => {
      const data = Buffer.from('uploaded twice');
      const { id } = await store.put(data);
      await setMtime(id, new Date(Date.now() - 2 * HOUR_MS));
      await store.put(data);

      expect(await store.sweep(new Date(Date.now() - HOUR_MS))).toBe(0);
      expect(await store.read(id)).toEqual(data);
    });

    it('cleans temp files abandoned more than an hour ago, and orphaned sidecars', async () => {
      await store.put(Buffer.from('creates the directories'));
      const tmp = join(dir, 'tmp');
      await writeFile(join(tmp, 'abandoned'), 'x');
      await writeFile(join(tmp, 'in-progress'), 'x');
      const longAgo = new Date(Date.now() - 2 * HOUR_MS);
      await utimes(join(tmp, 'abandoned'), longAgo, longAgo);
      const orphanId = sha256(Buffer.from('content lost'));
      const orphan = `${contentPath(orphanId)}.json`;
      await mkdir(join(dir, orphanId.slice(0, 2), orphanId.slice(2, 4)), { recursive: true });
      await writeFile(orphan, '{}');
      await utimes(orphan, longAgo, longAgo);

      expect(await store.sweep(new Date(Date.now() - HOUR_MS))).toBe(0);

      expect(await readdir(tmp)).toEqual(['in-progress']);
      expect(await storedFiles()).not.toContain(orphan);
    });

    it('returns 0 on a store that was never written to', async () => {
      expect(await new FsBlobStore(join(dir, 'nothing-here')).sweep(new Date())).toBe(0);
    });
  });
});
