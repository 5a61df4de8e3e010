import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { fixture } from '../fixtures';

const MAIN = resolve(__dirname, '../../dist/apps/gateway/apps/gateway/src/main.js');

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startProcess(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${output}`);
    const ok = await fetch(`${url}/health/ready`).then(
      async (r) => (await r.text(), r.ok),
      () => false,
    );
    if (ok) return { child, url, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`gateway did not become ready: ${output}`);
}

async function stop(proc: Proc | undefined): Promise<number | null> {
  if (!proc || proc.child.exitCode !== null) return proc?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => proc.child.once('exit', (code) => r(code)));
  proc.child.kill('SIGTERM');
  return exited;
}

describe('ROLE=api and ROLE=worker as two processes on one Redis', () => {
  let dir: string;
  let env: Record<string, string>;
  let api: Proc;
  let worker: Proc | undefined;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'omnigate-2p-'));
    env = {
      REDIS_URL: inject('redisUrl'),
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: `test-${randomUUID()}`,
      BLOB_DIR: join(dir, 'blobs'),
    };
    api = await startProcess({ ...env, ROLE: 'api' });
  });

  afterAll(async () => {
    await stop(worker);
    await stop(api);
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues on the API, runs on the worker, answers from the API', async () => {
    const res = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'crossing processes' }], output: 'image', mode: 'async' }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    // Nobody consumes the queue yet: the job waits.
    await new Promise((r) => setTimeout(r, 300));
    const waiting = (await (await fetch(`${api.url}/v1/jobs/${id}`)).json()) as { status: string };
    expect(waiting.status).toBe('queued');

    worker = await startProcess({ ...env, ROLE: 'worker', WORKER_ADAPTERS: 'builtin.render,builtin.echo' });
    let job: { status: string; route: { adapter: string }[]; outputs: { url: string }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      job = (await (await fetch(`${api.url}/v1/jobs/${id}`)).json()) as typeof job;
      if (job?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job?.status).toBe('completed');
    expect(job?.route[0].adapter).toBe('builtin.render');
    const png = Buffer.from(await (await fetch(`${api.url}${job!.outputs[0].url}`)).arrayBuffer());
    expect((await sharp(png).metadata()).format).toBe('png');

    // A sync request waits on the API while the worker runs it.
    const sync = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'round trip' }], output: 'text', task: 'echo' }),
    });
    expect(sync.status).toBe(200);
    expect(((await sync.json()) as { outputs: { text: string }[] }).outputs[0].text).toBe('round trip');
  });

  it('serves only health on the worker', async () => {
    expect(worker).toBeDefined();
    const ready = await fetch(`${worker!.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', queue: 'bullmq' });
    const api = await fetch(`${worker!.url}/v1/adapters`);
    expect(api.status).toBe(404);
    await api.text();
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stop(worker)).toBe(0);
  });

  it('refuses to start with a bad variable, naming it', async () => {
    await expect(startProcess({ ...env, ROLE: 'api', JOB_ATTEMPTS: 'many' })).rejects.toThrow(/JOB_ATTEMPTS/);
  });
});

describe('an adapter registered on one process, used through another (two gateway processes)', () => {
  let dir: string;
  let env: Record<string, string>;
  let first: Proc | undefined;
  let second: Proc | undefined;
  let server: ExampleAdapterServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omnigate-2p-'));
    env = {
      REDIS_URL: inject('redisUrl'),
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: `test-${randomUUID()}`,
      BLOB_DIR: join(dir, 'blobs'),
    };
    [first, second, server] = await Promise.all([
      startProcess(env),
      startProcess(env),
      startExampleAdapterServer(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([stop(first), stop(second), server?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const classify = async (proc: Proc) => {
    const form = new FormData();
    form.append('file', new Blob([fixture('pointcloud/bunny.pcd')]), 'bunny.pcd');
    form.append('output', 'text');
    form.append('task', 'classify');
    return fetch(`${proc.url}/v1/infer`, { method: 'POST', body: form });
  };
  const knows = async (proc: Proc) =>
    ((await (await fetch(`${proc.url}/v1/adapters`)).json()) as { adapters: { id: string }[] }).adapters.some(
      (a) => a.id === 'acme.pc',
    );

  it('reaches the other process within a second, and both keep it across a restart', async () => {
    expect((await classify(second!)).status).toBe(422);
    const registered = await fetch(`${first!.url}/v1/adapters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'http', id: 'acme.pc', url: server.url }),
    });
    expect(registered.status).toBe(201);
    const started = Date.now();
    while (!(await knows(second!)) && Date.now() - started < 1000)
      await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - started).toBeLessThan(1000);
    const answer = await classify(second!);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { route: { adapter: string }[] }).route[0].adapter).toBe('acme.pc');

    await Promise.all([stop(first), stop(second)]);
    [first, second] = await Promise.all([startProcess(env), startProcess(env)]);
    expect([await knows(first), await knows(second)]).toEqual([true, true]);
    expect((await classify(first)).status).toBe(200);
  });
});
