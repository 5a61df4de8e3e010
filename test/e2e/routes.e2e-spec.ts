import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

describe('GET /v1/routes and /v1/capabilities', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ QUEUE_DRIVER: 'inline' });
  });
  afterAll(async () => gw.close());

  const get = async (path: string) => {
    const res = await fetch(`${gw.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('shows the plan for a multi-hop pair without running it', async () => {
    const { status, body } = await get('/v1/routes?from=signal&to=image&adapter=builtin.render');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      from: ['signal'],
      to: 'image',
      route: [
        { adapter: 'builtin.signal', from: ['signal'], to: 'text' },
        { adapter: 'builtin.render', from: ['text'], to: 'image' },
      ],
    });
  });

  it('answers 422 no_route naming what is reachable, and 400 for an unknown modality', async () => {
    const none = await get('/v1/routes?from=image&to=image&task=juggle');
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({
      error: { code: 'no_route', details: { reachable: expect.arrayContaining(['image']) } },
    });
    expect((await get('/v1/routes?from=smell&to=image')).status).toBe(400);
    expect((await get('/v1/routes?to=image')).status).toBe(400);
  });

  it('returns the modality matrix with a route or null for each pair', async () => {
    const { status, body } = await get('/v1/capabilities');
    expect(status).toBe(200);
    const matrix = body.matrix as { from: string; to: string; route: { adapter: string }[] | null }[];
    expect(body.pairs).toBe(36);
    expect(matrix).toHaveLength(36);
    expect(body.routable).toBe(matrix.filter((m) => m.route).length);
    expect(matrix.find((m) => m.from === 'image' && m.to === 'image')?.route?.[0].adapter).toBe(
      'builtin.sharp',
    );
    expect(matrix.find((m) => m.from === 'text' && m.to === 'image')?.route).not.toBeNull();
  });

  it('lists every task with its edges, the offline perception ones too', async () => {
    const { body } = await get('/v1/capabilities');
    const tasks = body.tasks as { task: string; edges: { adapter: string; from: string[]; to: string }[] }[];
    const edges = (task: string) => tasks.find((t) => t.task === task)?.edges ?? [];
    expect(edges('detect')).toEqual([
      { adapter: 'builtin.vision', from: ['image'], to: 'text' },
      { adapter: 'builtin.vision', from: ['image'], to: 'image' },
      { adapter: 'builtin.vision', from: ['video'], to: 'text' },
    ]);
    expect(edges('faces').map((e) => e.to)).toEqual(['text', 'image']);
    expect(edges('ocr')).toContainEqual({ adapter: 'builtin.image', from: ['image'], to: 'text' });
    expect(tasks.map((t) => t.task)).toEqual([...tasks.map((t) => t.task)].sort());
  });
});
