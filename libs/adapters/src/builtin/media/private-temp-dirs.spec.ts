import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateTempDirs } from './private-temp-dirs';

const HOUR_MS = 3_600_000;

/** The pid of a process that has exited (as a gateway worker killed with SIGKILL has). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('the child never started');
  return child.pid;
}

describe('PrivateTempDirs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'temp-dirs-spec-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Dirs as processes of this host, running or killed, and of another host would have left them. */
  async function leftBehind() {
    // This process's own name for a dir (omnigate-ffmpeg-<pid>@<host>-XXXXXX), made elsewhere.
    const scratch = await mkdtemp(join(tmpdir(), 'temp-dirs-spec-'));
    const own = await new PrivateTempDirs(scratch, 'omnigate-ffmpeg-', HOUR_MS).use(async (dir) =>
      basename(dir),
    );
    await rm(scratch, { recursive: true, force: true });
    expect(own).toMatch(new RegExp(`^omnigate-ffmpeg-${process.pid}@.+-\\w{6}$`));
    const dead = await exitedPid();
    const names = {
      killed: `${own.replace(`-${process.pid}@`, `-${dead}@`).slice(0, -6)}aaaaaa`,
      running: `${own.slice(0, -6)}bbbbbb`,
      otherHost: `omnigate-ffmpeg-${dead}@another.host-cccccc`,
      old: `omnigate-ffmpeg-${dead}@another.host-dddddd`,
      notOurs: `omnigate-flite-${dead}@another.host-eeeeee`,
    };
    for (const name of Object.values(names)) await mkdir(join(root, name, 'inner'), { recursive: true });
    const longAgo = new Date(Date.now() - 2 * HOUR_MS);
    await utimes(join(root, names.old), longAgo, longAgo);
    return names;
  }

  it('runs work in a fresh dir and removes it, however the work ends', async () => {
    const dirs = new PrivateTempDirs(root, 'omnigate-ffmpeg-', HOUR_MS);
    await dirs.use(async (dir) => mkdir(join(dir, 'nested')));
    await expect(dirs.use(async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect(await readdir(root)).toEqual([]);
  });

  it('sweeps the dirs of killed processes and old ones, and keeps those of running processes and other hosts', async () => {
    // Created first: its own sweep of the empty root is long over when the dirs appear.
    const dirs = new PrivateTempDirs(root, 'omnigate-ffmpeg-', HOUR_MS);
    const names = await leftBehind();
    expect((await dirs.sweep()).sort()).toEqual([names.killed, names.old].sort());
    expect((await readdir(root)).sort()).toEqual([names.notOurs, names.otherHost, names.running].sort());
  });

  it('sweeps as it is created, as a process starts', async () => {
    const names = await leftBehind();
    new PrivateTempDirs(root, 'omnigate-ffmpeg-', HOUR_MS);
    const deadline = Date.now() + 5_000;
    while ((await readdir(root)).includes(names.killed) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await readdir(root)).sort()).toEqual([names.notOurs, names.otherHost, names.running].sort());
  });
});
