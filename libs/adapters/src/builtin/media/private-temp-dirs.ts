import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** How often, at most, `use` looks for dirs left behind (a process that was killed cannot remove its own). */
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Private temp dirs for work on one input (`omnigate-ffmpeg-<pid>@<host>-XXXXXX`), removed when the
 * work ends. A process killed with SIGKILL cannot remove its own, so every instance also sweeps the
 * root, when it is created (as the process starts) and then at most every ten minutes as it is
 * used: a dir whose owner (a process on this host) is gone, or that is older than `staleAfterMs`
 * (an owner on another host sharing the root, a reused pid), is removed.
 */
export class PrivateTempDirs {
  private readonly host = hostname().replace(/[^A-Za-z0-9.]/g, '_');
  private lastSweep = 0;

  constructor(
    private readonly root: string,
    /** `omnigate-ffmpeg-`: what every dir's name starts with. */
    private readonly prefix: string,
    /** Longer than any work in a dir may take. */
    private readonly staleAfterMs: number,
  ) {
    this.sweepNow();
  }

  /** Runs `work` in a new private dir, and removes the dir however the work ends. */
  async use<T>(work: (dir: string) => Promise<T>): Promise<T> {
    if (Date.now() - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweepNow();
    const dir = await mkdtemp(join(this.root, `${this.prefix}${process.pid}@${this.host}-`));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Starts a sweep that nothing waits on; a failed one is tried again at the next interval. */
  private sweepNow(): void {
    this.lastSweep = Date.now();
    this.sweep().catch(() => undefined);
  }

  /** Removes the stale dirs of this prefix under the root; returns their names. */
  async sweep(now = Date.now()): Promise<string[]> {
    const names = (await readdir(this.root)).filter((name) => name.startsWith(this.prefix));
    const removed: string[] = [];
    for (const name of names) {
      const path = join(this.root, name);
      const modified = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => undefined,
      );
      if (modified === undefined) continue;
      if (now - modified > this.staleAfterMs || this.ownerIsGone(name.slice(this.prefix.length))) {
        await rm(path, { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  /** True when `rest` (`<pid>@<host>-XXXXXX`) names a process of this host that no longer runs. */
  private ownerIsGone(rest: string): boolean {
    const at = rest.indexOf('@');
    const pid = Number(rest.slice(0, at));
    if (at <= 0 || !Number.isInteger(pid) || pid <= 0 || rest.slice(at + 1, -7) !== this.host) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      // EPERM: it runs, as another user.
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}
