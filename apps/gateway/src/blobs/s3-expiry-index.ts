import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

const ID_PATTERN = /^[0-9a-f]{64}$/;
/** Window ends are zero-padded epoch seconds, so the bucket lists them in time order. */
const WINDOW_DIGITS = 12;
/** What one DeleteObjects request may name. */
const DELETE_BATCH = 1000;
/** Blobs checked at once while a window is swept. */
const SWEEP_CONCURRENCY = 8;

/**
 * An expiry index kept in the bucket itself, so a sweep costs what expires, not what is stored:
 * every write or touch of a blob adds an empty marker `<prefix>expiry/<end>/<id>`, where `end`
 * is the end of the time window (of `windowS` seconds) the write fell in. A sweep lists only the
 * window names (a handful), and in the windows that ended before the cutoff, the markers; each
 * marked blob is then checked (its own write time decides) and the window's markers removed. A
 * blob written again since has a marker in a later window, so dropping the old one loses nothing.
 *
 * Chosen over S3 lifecycle rules (whole days, not BLOB_TTL_S; not on every S3-compatible server)
 * and over listing the blobs (a sweep would read the whole bucket every time).
 */
export class S3ExpiryIndex {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly windowS: number,
  ) {}

  private get root(): string {
    return `${this.prefix}expiry/`;
  }

  /** Records a write of `id` at `atMs`; done before the write, so no stored blob goes unindexed. */
  async mark(id: string, atMs: number): Promise<void> {
    const end = Math.ceil(atMs / 1000 / this.windowS) * this.windowS;
    const key = `${this.root}${String(end).padStart(WINDOW_DIGITS, '0')}/${id}`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.alloc(0) }));
  }

  /**
   * Offers every blob marked in a window that ended by `cutoffMs` to `expire` (which removes it
   * if its last write is older than the cutoff, answering whether it did), then drops the
   * windows' markers. Returns how many `expire` removed; failures are collected, not thrown,
   * and a window with a failure keeps its markers for the next sweep.
   */
  async sweep(
    cutoffMs: number,
    expire: (id: string) => Promise<boolean>,
    failures: unknown[],
  ): Promise<number> {
    let removed = 0;
    for (const window of await this.dueWindows(cutoffMs)) {
      const failedBefore = failures.length;
      const markers: string[] = [];
      for await (const keys of this.keys(window)) {
        markers.push(...keys);
        const ids = keys.map((key) => key.slice(window.length)).filter((id) => ID_PATTERN.test(id));
        removed += await countTrue(ids, SWEEP_CONCURRENCY, async (id) => {
          try {
            return await expire(id);
          } catch (err) {
            failures.push(err);
            return false;
          }
        });
        // A window's markers go once all of it is checked; meanwhile they are at most a window's worth.
        if (failures.length === failedBefore && markers.length >= DELETE_BATCH) {
          await this.remove(markers.splice(0)).catch((err: unknown) => failures.push(err));
        }
      }
      if (failures.length === failedBefore && markers.length > 0) {
        await this.remove(markers).catch((err: unknown) => failures.push(err));
      }
    }
    return removed;
  }

  /** The windows (`<prefix>expiry/<end>/`) that ended by `cutoffMs`, oldest first. */
  private async dueWindows(cutoffMs: number): Promise<string[]> {
    const cutoff = Math.floor(cutoffMs / 1000);
    const due: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.root,
          Delimiter: '/',
          ...(token && { ContinuationToken: token }),
        }),
      );
      for (const { Prefix: name } of page.CommonPrefixes ?? []) {
        const end = name ? Number(name.slice(this.root.length, -1)) : NaN;
        if (!Number.isSafeInteger(end)) continue;
        if (end > cutoff) return due; // listed in time order: the rest are later still
        due.push(name!);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return due;
  }

  /** The marker keys of one window, a page at a time. */
  private async *keys(window: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: window,
          ...(token && { ContinuationToken: token }),
        }),
      );
      yield (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const answer = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + DELETE_BATCH).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = answer.Errors?.[0];
      if (failed)
        throw new Error(`could not remove expiry markers: ${failed.Code ?? 'error'} ${failed.Key ?? ''}`);
    }
  }
}

/** Runs `work` over `items`, `concurrency` at a time; how many answered true. */
async function countTrue<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let count = 0;
  const lane = async () => {
    while (next < items.length) {
      if (await work(items[next++])) count++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return count;
}
