import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from './free-port';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function waitForRedis(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout?.trim() === 'PONG') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

/**
 * Tests get a private redis-server on a free port when the binary is on PATH, else REDIS_URL,
 * else the run stops with what to install. Every test still uses its own key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
  if (!hasRedis) {
    const url = process.env.REDIS_URL;
    if (!url) {
      throw new Error(
        'Tests need Redis: install redis-server (apt-get install -y redis-server) or set REDIS_URL',
      );
    }
    project.provide('redisUrl', url);
    return async () => {};
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await waitForRedis(port, child);
  project.provide('redisUrl', `redis://127.0.0.1:${port}`);
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
