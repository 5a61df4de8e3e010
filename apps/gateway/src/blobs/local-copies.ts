import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';

/** A copy evicted from the cache is removed this much later: a tool may just have been given its path. */
const REMOVAL_GRACE_MS = 5 * 60 * 1000;
/** Another process's folder untouched this long belongs to a process that died. */
const STALE_DIR_MS = 24 * 3600 * 1000;

/**
 * Local files holding blobs of a remote store, for tools that want a path (ffprobe seeks; the
 * text and image probes read a file without holding it whole). Bounded in bytes, least recently
 * used first out; the files are this process's own (a folder of its own under `root`), removed
 * when it closes. A blob larger than the bound gets no copy.
 */
export class LocalCopies {
  private readonly dir: string;
  private readonly files: LRUCache<string, { path: string; bytes: number }> | undefined;
  private readonly loading = new Map<string, Promise<string>>();
  private readonly removals = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly maxBytes: number,
    /** Writes the blob's content to `path` (a new file); rejects when it cannot. */
    private readonly download: (id: string, path: string) => Promise<void>,
  ) {
    this.dir = join(root, randomUUID());
    this.files =
      maxBytes > 0
        ? new LRUCache({
            maxSize: maxBytes,
            sizeCalculation: (file) => Math.max(1, file.bytes),
            dispose: (file) => this.removeLater(file.path),
          })
        : undefined;
  }

  /** A local file with blob `id` (`bytes` long) in it; undefined when it would not fit. */
  async path(id: string, bytes: number): Promise<string | undefined> {
    if (!this.files || bytes > this.maxBytes) return undefined;
    const known = this.files.get(id);
    // Another process's sweep may have taken the folder of an idle one: checked, fetched again.
    if (known && (await exists(known.path))) return known.path;
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.fetch(id, bytes).finally(() => this.loading.delete(id));
      this.loading.set(id, loading);
    }
    return loading;
  }

  private async fetch(id: string, bytes: number): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const part = join(this.dir, `${randomUUID()}.part`);
    const path = join(this.dir, id);
    try {
      await this.download(id, part);
      await rename(part, path);
    } catch (err) {
      await rm(part, { force: true }).catch(() => undefined);
      throw err;
    }
    this.files?.set(id, { path, bytes });
    return path;
  }

  private removeLater(path: string): void {
    if (this.closed) return; // close removes the whole folder
    const timer = setTimeout(() => {
      this.removals.delete(timer);
      void rm(path, { force: true }).catch(() => undefined);
    }, REMOVAL_GRACE_MS);
    timer.unref();
    this.removals.add(timer);
  }

  /** Removes the folders other processes left behind when they died (untouched for a day). */
  async removeStale(): Promise<void> {
    const now = Date.now();
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return; // no copies made yet by anyone
    }
    for (const name of names) {
      const path = join(this.root, name);
      if (path === this.dir) continue;
      const seen = await stat(path).catch(() => undefined);
      if (seen && now - seen.mtimeMs > STALE_DIR_MS) await rm(path, { recursive: true, force: true });
    }
  }

  /** Removes every copy of this process. */
  async close(): Promise<void> {
    this.closed = true;
    this.files?.clear();
    for (const timer of this.removals) clearTimeout(timer);
    this.removals.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
