import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** A redis-server child of the test, on 127.0.0.1. */
export interface RedisServer {
  port: number;
  url: string;
  /** SIGSTOP: it holds its connections and answers nothing, as behind a lost network. */
  pause(): void;
  /** SIGCONT: it answers again, the commands it was sent meanwhile first. */
  resume(): void;
  /** Kills it (SIGKILL: no save, clients see refused connections) and waits for it to exit. */
  kill(): Promise<void>;
  /** After `kill`: starts it again on the same port and folder (what `durable` kept is back). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Every write reaches the append-only file before it is acknowledged, so a SIGKILL loses nothing. */
  durable?: boolean;
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

/** Whether `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Starts a private redis-server on a free port, with its own folder; resolves once it answers. */
export async function startRedisServer({ durable = false }: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-redis-'));
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir];
  const launch = async () => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    await waitForRedis(port, child);
    return { child, exited };
  };
  let running = await launch();
  const kill = async (signal: NodeJS.Signals) => {
    const { child, exited } = running;
    if (child.exitCode === null && child.signalCode === null) {
      // A stopped (SIGSTOP) server acts on no other signal but SIGKILL until it is continued.
      if (signal !== 'SIGKILL') child.kill('SIGCONT');
      child.kill(signal);
    }
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => running.child.kill('SIGSTOP'),
    resume: () => running.child.kill('SIGCONT'),
    kill: () => kill('SIGKILL'),
    start: async () => {
      const { child } = running;
      if (child.exitCode === null && child.signalCode === null) return;
      running = await launch();
    },
    stop: async () => {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
