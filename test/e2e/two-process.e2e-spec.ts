import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { fixture } from '../fixtures';
import { sharedQueue, spawnGatewayProcess, type GatewayProcess, type SharedQueue } from '../gateway-harness';

async function stop(proc: GatewayProcess | undefined): Promise<number | null> {
  if (!proc || proc.child.exitCode !== null) return proc?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => proc.child.once('exit', (code) => r(code)));
  proc.child.kill('SIGTERM');
  return exited;
}

describe('ROLE=api and ROLE=worker as two processes on one Redis', () => {
  let queue: SharedQueue;
  let env: Record<string, string>;
  let api: GatewayProcess;
  let worker: GatewayProcess | undefined;

  beforeAll(async () => {
    queue = sharedQueue();
    env = queue.env;
    api = await spawnGatewayProcess({ ...env, ROLE: 'api' });
  });

  afterAll(async () => {
    await stop(worker);
    await stop(api);
    queue.remove();
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

    worker = await spawnGatewayProcess({
      ...env,
      ROLE: 'worker',
      WORKER_ADAPTERS: 'builtin.render,builtin.echo',
    });
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
    await expect(spawnGatewayProcess({ ...env, ROLE: 'api', JOB_ATTEMPTS: 'many' })).rejects.toThrow(
      /JOB_ATTEMPTS/,
    );
  });
});

describe('an adapter registered on one process, used through another (two gateway processes)', () => {
  let queue: SharedQueue;
  let env: Record<string, string>;
  let first: GatewayProcess | undefined;
  let second: GatewayProcess | undefined;
  let server: ExampleAdapterServer;

  beforeAll(async () => {
    queue = sharedQueue();
    env = queue.env;
    [first, second, server] = await Promise.all([
      spawnGatewayProcess(env),
      spawnGatewayProcess(env),
      startExampleAdapterServer(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([stop(first), stop(second), server?.close()]);
    queue.remove();
  });

  const classify = async (proc: GatewayProcess) => {
    const form = new FormData();
    form.append('file', new Blob([fixture('pointcloud/bunny.pcd')]), 'bunny.pcd');
    form.append('output', 'text');
    form.append('task', 'classify');
    return fetch(`${proc.url}/v1/infer`, { method: 'POST', body: form });
  };
  const knows = async (proc: GatewayProcess) =>
    ((await (await fetch(`${proc.url}/v1/adapters`)).json()) as { adapters: { id: string }[] }).adapters.some(
      (a) => a.id === 'acme.pc',
    );

  it('reaches the other process at once (pub/sub), and both keep it across a restart', async () => {
    expect((await classify(second!)).status).toBe(422);
    const registered = await fetch(`${first!.url}/v1/adapters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'http', id: 'acme.pc', url: server.url }),
    });
    expect(registered.status).toBe(201);
    // Pub/sub delivers it in milliseconds; the bound leaves room for a loaded machine, and there
    // is no periodic reload that could meet it instead.
    const started = Date.now();
    while (!(await knows(second!)) && Date.now() - started < 3000)
      await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - started).toBeLessThan(3000);
    const answer = await classify(second!);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { route: { adapter: string }[] }).route[0].adapter).toBe('acme.pc');

    await Promise.all([stop(first), stop(second)]);
    [first, second] = await Promise.all([spawnGatewayProcess(env), spawnGatewayProcess(env)]);
    expect([await knows(first), await knows(second)]).toEqual([true, true]);
    expect((await classify(first)).status).toBe(200);
  });
});
