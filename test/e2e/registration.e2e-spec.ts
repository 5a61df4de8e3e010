import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

interface AdapterView {
  id: string;
  source: string;
  registration?: { id: string; kind: string; url: string };
  health: { state: string };
  capabilities: { task: string; inputs: string[]; output: string }[];
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Two gateway processes' worth (API + workers each) on one Redis and one queue prefix. */
describe('adapters registered at runtime (POST /v1/adapters)', () => {
  const prefix = `test-${randomUUID()}`;
  const env = { QUEUE_PREFIX: prefix, ADAPTER_PROBE_MS: '200', JOB_ATTEMPTS: '1' };
  let a: TestGateway;
  let b: TestGateway;
  let server: ExampleAdapterServer;
  let failing: ExampleAdapterServer;

  beforeAll(async () => {
    [a, b, server, failing] = await Promise.all([
      startGateway(env),
      startGateway(env),
      startExampleAdapterServer(),
      startExampleAdapterServer({ mode: 'failing' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), server?.close(), failing?.close()]);
  });

  const adapters = async (gw: TestGateway) =>
    ((await (await fetch(`${gw.url}/v1/adapters`)).json()) as { adapters: AdapterView[] }).adapters;
  const upload = (gw: TestGateway, path: string, name: string, fields: Record<string, string>) => {
    const form = new FormData();
    form.append('file', new Blob([fixture(path)]), name);
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    return fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
  };
  const classify = (gw: TestGateway) =>
    upload(gw, 'pointcloud/bunny.pcd', 'bunny.pcd', { output: 'text', task: 'classify' });
  const documentedModalities = async (gw: TestGateway) =>
    ((await (await fetch(`${gw.url}/docs/json`)).json()) as { info: { 'x-modalities': string[] } }).info[
      'x-modalities'
    ];
  const mesh = (gw: TestGateway) => upload(gw, 'extra/mesh.stl', 'mesh.stl', { output: 'text' });

  it('knows neither the capability nor the modality before', async () => {
    expect((await classify(a)).status).toBe(422);
    expect((await mesh(b)).status).toBe(415);
  });

  it('refuses bad registrations with a 4xx that says why', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ kind: 'http', id: 'x.bad', url: 'not a url' }, 400, /url/],
      [{ kind: 'carrier-pigeon', id: 'x.bad' }, 400, /kind/],
      [{ kind: 'http', id: 'x.down', url: 'http://127.0.0.1:9' }, 422, /could not reach/],
      [{ kind: 'http', id: 'builtin.sharp', url: server.url }, 409, /already in use/],
    ];
    for (const [body, status, message] of cases) {
      const res = await fetch(`${a.url}/v1/adapters`, json(body));
      const error = ((await res.json()) as { error: { message: string } }).error;
      expect([res.status, error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    const invalid = await startExampleAdapterServer({ mode: 'invalid-descriptor' });
    try {
      const res = await fetch(
        `${a.url}/v1/adapters`,
        json({ kind: 'http', id: 'x.invalid', url: invalid.url }),
      );
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /invalid descriptor/,
      );
    } finally {
      await invalid.close();
    }
  });

  it('registers on one process and serves through the other within a second', async () => {
    const res = await fetch(
      `${a.url}/v1/adapters`,
      json({
        kind: 'http',
        id: 'acme.pc',
        url: server.url,
        headers: { authorization: 'Bearer s3cret-token' },
      }),
    );
    expect(res.status).toBe(201);
    const started = Date.now();
    await expect
      .poll(async () => (await adapters(b)).some((x) => x.id === 'acme.pc'), { timeout: 1000, interval: 20 })
      .toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    const view = (await adapters(b)).find((x) => x.id === 'acme.pc')!;
    expect(view).toMatchObject({ source: 'remote', registration: { kind: 'http', url: `${server.url}/` } });
    expect(JSON.stringify(await adapters(a))).not.toContain('s3cret-token');

    const answer = await classify(b);
    const body = (await answer.json()) as { outputs: { text: string }[]; route: { adapter: string }[] };
    expect(answer.status, JSON.stringify(body)).toBe(200);
    expect(body.route.map((s) => s.adapter)).toEqual(['acme.pc']);
    expect(body.outputs[0].text.length).toBeGreaterThan(0);
    const call = server.calls.at(-1)!;
    expect(call.headers.authorization).toBe('Bearer s3cret-token');
    expect(call.parts).toEqual([
      expect.objectContaining({ name: 'input0', bytes: fixture('pointcloud/bunny.pcd').length }),
    ]);
  });

  it('learns the modality the adapter brings, on both processes', async () => {
    for (const gw of [a, b]) {
      const res = await mesh(gw);
      const body = (await res.json()) as { outputs: { text: string }[]; detected: { modality: string }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.detected[0]).toMatchObject({ modality: 'mesh', mediaType: 'model/stl' });
      expect(body.outputs[0].text).toMatch(/^3 triangles/);
      const caps = (await (await fetch(`${gw.url}/v1/capabilities`)).json()) as { modalities: string[] };
      expect(caps.modalities).toContain('mesh');
      expect(await documentedModalities(gw)).toContain('mesh');
    }
  });

  it('survives a restart: the registration is in Redis', async () => {
    await b.close();
    b = await startGateway(env);
    expect((await adapters(b)).some((x) => x.id === 'acme.pc')).toBe(true);
    expect((await classify(b)).status).toBe(200);
  });

  it('marks a registered adapter whose health fails unhealthy, and routes skip it', async () => {
    const res = await fetch(
      `${a.url}/v1/adapters`,
      json({ kind: 'http', id: 'acme.flaky', url: failing.url }),
    );
    expect(res.status).toBe(201);
    await expect
      .poll(async () => (await adapters(a)).find((x) => x.id === 'acme.flaky')?.health.state, {
        timeout: 3000,
      })
      .toBe('unhealthy');
    const pinned = await upload(a, 'pointcloud/bunny.pcd', 'bunny.pcd', {
      output: 'text',
      task: 'classify',
      adapter: 'acme.flaky',
    });
    expect(pinned.status).toBe(503);
    // The healthy one still answers the same task.
    const body = (await (await classify(a)).json()) as { route: { adapter: string }[] };
    expect(body.route.map((s) => s.adapter)).toEqual(['acme.pc']);
    expect((await fetch(`${a.url}/v1/adapters/acme.flaky`, { method: 'DELETE' })).status).toBe(200);
  });

  it('routes a domain request to the vertical adapter, and to the base one when it is down', async () => {
    const vertical = await startExampleAdapterServer();
    try {
      const registered = await fetch(
        `${a.url}/v1/adapters`,
        json({ kind: 'http', id: 'acme.robotics', url: vertical.url, domain: 'robotics' }),
      );
      expect(registered.status).toBe(201);
      const ask = async () => {
        const res = await upload(a, 'pointcloud/bunny.pcd', 'bunny.pcd', {
          output: 'text',
          domain: 'robotics',
        });
        const body: unknown = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(200);
        return body as {
          route: { adapter: string; domain?: string }[];
          fallbacks?: { adapter: string }[];
        };
      };
      expect((await ask()).route).toEqual([
        expect.objectContaining({ adapter: 'acme.robotics', domain: 'robotics' }),
      ]);
      // Without the domain, the base route (the built-in description) answers.
      const plain = await upload(a, 'pointcloud/bunny.pcd', 'bunny.pcd', { output: 'text' });
      expect(((await plain.json()) as { route: { adapter: string }[] }).route[0].adapter).toBe(
        'builtin.pointcloud',
      );

      vertical.setMode('failing');
      // Down: the job falls back to the base route (or, once the probe noticed, goes there at once).
      const fellBack = await ask();
      expect(fellBack.route.map((s) => s.adapter)).toEqual(['builtin.pointcloud']);
      expect(fellBack.fallbacks?.map((f) => f.adapter) ?? ['acme.robotics']).toEqual(['acme.robotics']);
      // Once its probe fails, the vertical is not even tried.
      await expect
        .poll(async () => (await adapters(a)).find((x) => x.id === 'acme.robotics')?.health.state, {
          timeout: 3000,
        })
        .toBe('unhealthy');
      const direct = await ask();
      expect([direct.route[0].adapter, direct.fallbacks]).toEqual(['builtin.pointcloud', undefined]);
    } finally {
      await fetch(`${a.url}/v1/adapters/acme.robotics`, { method: 'DELETE' });
      await vertical.close();
    }
  });

  it('removes it everywhere: requests that needed it get no_route, the modality is gone', async () => {
    const res = await fetch(`${b.url}/v1/adapters/acme.pc`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => (await adapters(a)).some((x) => x.id === 'acme.pc'), { timeout: 1000, interval: 20 })
      .toBe(false);
    const gone = await classify(a);
    expect(gone.status).toBe(422);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('no_route');
    expect((await mesh(a)).status).toBe(415);
    expect(await documentedModalities(a)).not.toContain('mesh');
    expect((await fetch(`${a.url}/v1/adapters/acme.pc`, { method: 'DELETE' })).status).toBe(404);
  });
});
