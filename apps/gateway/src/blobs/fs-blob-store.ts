import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { BlobNotFoundError, BlobTooLargeError } from './blob-errors';
import {
  BLOB_ID_PATTERN,
  DEFAULT_MEDIA_TYPE,
  HashingMeter,
  SmallBlobCache,
  STALE_TMP_MS,
} from './blob-store-parts';
import type { BlobInfo, BlobStore, PutOptions } from './blob-store';

const SHARD_PATTERN = /^[0-9a-f]{2}$/;
const READ_CHUNK_BYTES = 64 * 1024;

const SidecarSchema = z.object({
  mediaType: z.string(),
  filename: z.string().optional(),
  createdAt: z.string(),
});
type Sidecar = z.infer<typeof SidecarSchema>;

/**
 * Blobs on a local (or shared) filesystem: `<dir>/ab/cd/<sha256>` holds the content and
 * `<sha256>.json` beside it the metadata. Everything is written to `<dir>/tmp` first and renamed
 * into place, so a reader never sees a partial file under a blob's name. Files are not fsynced:
 * like Redis without `appendfsync always`, a power cut may lose the newest writes.
 *
 * Small blobs are also kept in a bounded in-memory cache, so the detector and the adapter that
 * read a job's inputs right after the upload do not go back to the disk.
 */
export class FsBlobStore implements BlobStore {
  private readonly dir: string;
  private readonly tmpDir: string;
  private dirsReady: Promise<void> | undefined;
  private readonly cache = new SmallBlobCache();

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.tmpDir = join(this.dir, 'tmp');
  }

  async put(
    data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<BlobInfo> {
    const maxBytes = options.maxBytes ?? Infinity;
    // NaN would compare false against every size and silently lift the limit.
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${maxBytes}`);
    await this.ensureDirs();
    if (Buffer.isBuffer(data)) return this.putBuffer(data, options, maxBytes);
    const tmpPath = join(this.tmpDir, randomUUID());
    // Opened here rather than by createWriteStream, so the file surely exists (and is removed)
    // by the time a failed put settles. The stream owns the handle from here on and closes it.
    const handle = await open(tmpPath, 'wx');
    try {
      const meter = new HashingMeter(maxBytes);
      await pipeline(data, meter, handle.createWriteStream());
      const id = meter.digest();
      const existed = await this.commitContent(tmpPath, id);
      const sidecar = await this.writeSidecar(id, options, existed);
      return this.cache.remember(toInfo(id, meter.bytes, sidecar));
    } catch (err) {
      // Cleanup is best effort: the error worth reporting is the one that failed the put.
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** A Buffer is hashed in memory first: one write of the whole file, and none when the bytes are known. */
  private async putBuffer(data: Buffer, options: PutOptions, maxBytes: number): Promise<BlobInfo> {
    if (data.length > maxBytes) throw new BlobTooLargeError(maxBytes);
    const id = createHash('sha256').update(data).digest('hex');
    const tmpPath = join(this.tmpDir, randomUUID());
    try {
      await writeFile(tmpPath, data, { flag: 'wx' });
      const existed = await this.commitContent(tmpPath, id);
      const sidecar = await this.writeSidecar(id, options, existed);
      return this.cache.remember(toInfo(id, data.length, sidecar), data);
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async stat(id: string): Promise<BlobInfo | undefined> {
    if (!BLOB_ID_PATTERN.test(id)) return undefined;
    const cached = this.cache.info(id);
    if (cached) return cached;
    const content = await statIfExists(this.contentPath(id));
    if (!content) return undefined;
    const sidecar = (await this.readSidecar(id)) ?? {
      mediaType: DEFAULT_MEDIA_TYPE,
      createdAt: content.mtime.toISOString(),
    };
    return toInfo(id, content.size, sidecar);
  }

  async read(id: string): Promise<Buffer> {
    const cached = this.cache.data(id);
    if (cached) return cached;
    const handle = await this.openContent(id);
    try {
      const data = await handle.readFile();
      this.cache.rememberData(id, data);
      return data;
    } finally {
      await handle.close();
    }
  }

  async readPrefix(id: string, bytes: number): Promise<Buffer> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`readPrefix needs a non-negative integer byte count, got ${bytes}`);
    }
    const cached = this.cache.data(id);
    if (cached) return cached.subarray(0, bytes);
    const handle = await this.openContent(id);
    try {
      // Never allocate more than the file holds, whatever the caller asked for.
      const buffer = Buffer.alloc(Math.min(bytes, (await handle.stat()).size));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async localPath(id: string): Promise<string | undefined> {
    if (!BLOB_ID_PATTERN.test(id)) return undefined;
    const path = this.contentPath(id);
    return (await statIfExists(path)) ? path : undefined;
  }

  stream(id: string): Readable {
    const cached = this.cache.data(id);
    if (cached) return Readable.from([cached], { objectMode: false });
    return Readable.from(this.chunks(id), { objectMode: false });
  }

  async touch(id: string): Promise<boolean> {
    if (!BLOB_ID_PATTERN.test(id)) return false;
    const now = new Date();
    try {
      await utimes(this.contentPath(id), now, now);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async sweep(olderThan: Date): Promise<number> {
    const cutoffMs = olderThan.getTime();
    this.cache.clear();
    const failures: unknown[] = [];
    let removed = 0;
    // One unremovable file must not stop expiry of all the others: go on, report at the end.
    const attempt = async <T>(work: Promise<T>): Promise<T | undefined> => {
      try {
        return await work;
      } catch (err) {
        failures.push(err);
        return undefined;
      }
    };

    for (const outer of await listDir(this.dir)) {
      if (!SHARD_PATTERN.test(outer)) continue;
      for (const inner of await listDir(join(this.dir, outer))) {
        if (!SHARD_PATTERN.test(inner)) continue;
        const names = new Set(await listDir(join(this.dir, outer, inner)));
        for (const name of names) {
          if (BLOB_ID_PATTERN.test(name)) {
            if (await attempt(this.removeIfStale(name, cutoffMs))) removed++;
          } else if (name.endsWith('.json')) {
            const id = name.slice(0, -'.json'.length);
            if (BLOB_ID_PATTERN.test(id) && !names.has(id))
              await attempt(this.removeOrphanSidecar(id, cutoffMs));
          }
        }
      }
    }
    const staleTmpMs = Date.now() - STALE_TMP_MS;
    for (const name of await listDir(this.tmpDir)) {
      await attempt(removeIfOlder(join(this.tmpDir, name), staleTmpMs));
    }

    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `blob sweep removed ${removed} blobs; ${failures.length} removals failed`,
      );
    }
    return removed;
  }

  private ensureDirs(): Promise<void> {
    this.dirsReady ??= mkdir(this.tmpDir, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.dirsReady = undefined; // let a later put try again
        throw err;
      },
    );
    return this.dirsReady;
  }

  private contentPath(id: string): string {
    return join(this.dir, id.slice(0, 2), id.slice(2, 4), id);
  }

  private sidecarPath(id: string): string {
    return `${this.contentPath(id)}.json`;
  }

  /**
   * Moves the temp file into place, or, when the bytes are already stored, touches them instead.
   * Returns whether they were already stored.
   */
  private async commitContent(tmpPath: string, id: string): Promise<boolean> {
    const path = this.contentPath(id);
    const now = new Date();
    try {
      await utimes(path, now, now);
      await rm(tmpPath, { force: true });
      return true;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await mkdir(dirname(path), { recursive: true });
    // Two puts of the same bytes may both get here: rename replaces atomically, both succeed.
    await rename(tmpPath, path);
    return false;
  }

  /** The metadata of this upload; what it leaves out is kept from an earlier upload of the same bytes. */
  private async writeSidecar(id: string, options: PutOptions, existed: boolean): Promise<Sidecar> {
    const previous = existed ? await this.readSidecar(id) : undefined;
    const filename = options.filename ?? previous?.filename;
    const sidecar: Sidecar = {
      mediaType: options.mediaType ?? previous?.mediaType ?? DEFAULT_MEDIA_TYPE,
      ...(filename !== undefined && { filename }),
      createdAt: new Date().toISOString(),
    };
    const tmpPath = join(this.tmpDir, `${randomUUID()}.json`);
    try {
      await writeFile(tmpPath, JSON.stringify(sidecar), { flag: 'wx' });
      await rename(tmpPath, this.sidecarPath(id));
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
    return sidecar;
  }

  /** Undefined when missing or unreadable: the content alone is still a valid blob. */
  private async readSidecar(id: string): Promise<Sidecar | undefined> {
    let text: string;
    try {
      text = await readFile(this.sidecarPath(id), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      const parsed = SidecarSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // torn or hand-edited JSON
    }
  }

  private async openContent(id: string): Promise<FileHandle> {
    // Checked before any path is built: only 64 hex characters can name a file here.
    if (!BLOB_ID_PATTERN.test(id)) throw new BlobNotFoundError(id);
    try {
      return await open(this.contentPath(id), 'r');
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(id, { cause: err });
      throw err;
    }
  }

  private async *chunks(id: string): AsyncGenerator<Buffer> {
    const handle = await this.openContent(id);
    try {
      for (;;) {
        const buffer = Buffer.alloc(READ_CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  private async removeIfStale(id: string, cutoffMs: number): Promise<boolean> {
    const path = this.contentPath(id);
    const seen = await statIfExists(path);
    if (!seen || seen.mtimeMs >= cutoffMs) return false;
    // Move it aside before deciding: a put that touched it since our stat must not lose its blob.
    const aside = join(this.tmpDir, `${randomUUID()}.swept`);
    try {
      await rename(path, aside);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    if ((await stat(aside)).mtimeMs >= cutoffMs) {
      await link(aside, path).catch((err: unknown) => {
        if (!isCode(err, 'EEXIST')) throw err; // a newer put already stored the same bytes
      });
      await rm(aside, { force: true });
      return false;
    }
    await rm(aside, { force: true });
    // A put may have stored the bytes again meanwhile; its metadata stays then.
    if (!(await statIfExists(path))) await rm(this.sidecarPath(id), { force: true });
    return true;
  }

  private async removeOrphanSidecar(id: string, cutoffMs: number): Promise<void> {
    if (await statIfExists(this.contentPath(id))) return;
    await removeIfOlder(this.sidecarPath(id), cutoffMs);
  }
}

function toInfo(id: string, bytes: number, sidecar: Sidecar): BlobInfo {
  return {
    id,
    bytes,
    mediaType: sidecar.mediaType,
    ...(sidecar.filename !== undefined && { filename: sidecar.filename }),
    createdAt: sidecar.createdAt,
  };
}

async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

async function removeIfOlder(path: string, cutoffMs: number): Promise<void> {
  const found = await statIfExists(path);
  if (found && found.mtimeMs < cutoffMs) await rm(path, { force: true });
}

function isNotFound(err: unknown): boolean {
  return isCode(err, 'ENOENT');
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
