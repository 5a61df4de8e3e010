import {
  ModalityDefinitionSchema,
  RemoteDescriptorSchema,
  RemoteErrorSchema,
  RemoteInvokeRequestSchema,
  RemoteInvokeResultSchema,
  type RemoteInvokeRequest,
} from '@omnigate/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { fixture } from '../fixtures';

let server: ExampleAdapterServer;

beforeEach(async () => {
  server = await startExampleAdapterServer();
});

afterEach(async () => {
  await server.close();
});

interface Input {
  modality: string;
  mediaType: string;
  filename: string;
  data: Buffer;
}

/** POST /invoke the way the gateway does: a `request` JSON field, then one file part per input. */
async function invoke(
  task: string,
  inputs: Input[],
  output: RemoteInvokeRequest['output'],
  options: Record<string, unknown> = {},
): Promise<Response> {
  const request = RemoteInvokeRequestSchema.parse({
    task,
    inputs: inputs.map((input, i) => ({
      modality: input.modality,
      mediaType: input.mediaType,
      filename: input.filename,
      bytes: input.data.length,
      part: `input${i}`,
    })),
    output,
    options,
  });
  const form = new FormData();
  form.set('request', JSON.stringify(request));
  inputs.forEach((input, i) =>
    form.set(`input${i}`, new Blob([input.data], { type: input.mediaType }), input.filename),
  );
  return fetch(`${server.url}/invoke`, {
    method: 'POST',
    body: form,
    headers: { authorization: 'Bearer example' },
  });
}

const cloud = (path: string): Input => ({
  modality: 'pointcloud',
  mediaType: path.endsWith('.ply') ? 'application/x-ply' : 'application/x-pcd',
  filename: path.split('/').pop()!,
  data: fixture(path),
});

async function classify(input: Input): Promise<{ text: string; label: string }> {
  const response = await invoke('classify', [input], { modality: 'text' });
  expect(response.status).toBe(200);
  const result = RemoteInvokeResultSchema.parse(await response.json());
  const output = result.outputs[0];
  expect(output).toMatchObject({ modality: 'text', mediaType: 'text/plain' });
  const label = (result.meta?.classification as { label: string }).label;
  return { text: 'text' in output ? output.text : '', label };
}

describe('example remote adapter', () => {
  it('serves a descriptor the gateway accepts, bringing the mesh modality', async () => {
    const descriptor = RemoteDescriptorSchema.parse(await (await fetch(`${server.url}/descriptor`)).json());
    expect(descriptor.capabilities.map((c) => c.task)).toEqual(['classify', 'describe', 'render']);
    expect(descriptor.modalities?.map((m) => ModalityDefinitionSchema.parse(m).name)).toEqual(['mesh']);
    expect(
      new RegExp(descriptor.modalities![0].pattern!).test(fixture('extra/mesh.stl').toString('latin1')),
    ).toBe(true);
  });

  it('puts id and domain in the descriptor when asked', async () => {
    const vertical = await startExampleAdapterServer({ id: 'acme.pc', domain: 'survey' });
    try {
      const descriptor = RemoteDescriptorSchema.parse(
        await (await fetch(`${vertical.url}/descriptor`)).json(),
      );
      expect(descriptor).toMatchObject({ id: 'acme.pc', domain: 'survey' });
    } finally {
      await vertical.close();
    }
  });

  it('serves a descriptor the schema rejects in invalid-descriptor mode', async () => {
    server.setMode('invalid-descriptor');
    const body: unknown = await (await fetch(`${server.url}/descriptor`)).json();
    expect(RemoteDescriptorSchema.safeParse(body).success).toBe(false);
  });

  it('classifies point clouds by shape', async () => {
    expect(await classify(cloud('pointcloud/lamppost.pcd'))).toMatchObject({
      label: 'elongated',
      text: expect.stringMatching(/^elongated, vertical: 1771 points/),
    });
    expect((await classify(cloud('pointcloud/cube.ply'))).label).toBe('compact'); // binary PLY
    expect((await classify(cloud('pointcloud/bunny.pcd'))).label).toBe('compact');
    expect((await classify(cloud('pointcloud/car6.pcd'))).label).toBe('planar'); // binary_compressed PCD
    expect((await classify(cloud('pointcloud/colored_cloud.pcd'))).label).toBe('elongated'); // binary PCD
  });

  it('reads ascii PLY', async () => {
    const grid = Array.from({ length: 100 }, (_, i) => `${i % 10} ${Math.floor(i / 10)} ${(i % 3) * 0.01}`);
    const ply = [
      'ply',
      'format ascii 1.0',
      'element vertex 100',
      'property float x',
      'property float y',
      'property float z',
      'end_header',
      ...grid,
      '',
    ].join('\n');
    const input = { ...cloud('pointcloud/cube.ply'), filename: 'floor.ply', data: Buffer.from(ply) };
    expect(await classify(input)).toMatchObject({
      label: 'planar',
      text: expect.stringMatching(/^planar, horizontal/),
    });
  });

  it('describes an STL mesh', async () => {
    const stl = fixture('extra/mesh.stl');
    const facets = stl.toString('latin1').match(/^\s*facet\b/gm)!.length;
    const response = await invoke(
      'describe',
      [{ modality: 'mesh', mediaType: 'model/stl', filename: 'mesh.stl', data: stl }],
      { modality: 'text' },
    );
    expect(response.status).toBe(200);
    const result = RemoteInvokeResultSchema.parse(await response.json());
    expect(result.outputs[0]).toMatchObject({
      text: expect.stringMatching(new RegExp(`^${facets} triangles;`)),
    });
    expect(result.meta?.mesh).toMatchObject({ triangles: facets, surfaceArea: 1, closed: false });
  });

  it('answers a binary output as multipart: a `result` field and a file part', async () => {
    const response = await invoke(
      'render',
      [cloud('pointcloud/lamppost.pcd')],
      { modality: 'image' },
      { size: 64 },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    const form = await response.formData();
    const result = RemoteInvokeResultSchema.parse(JSON.parse(form.get('result') as string));
    expect(result.outputs).toEqual([{ modality: 'image', mediaType: 'image/png', part: 'output0' }]);
    const png = Buffer.from(await (form.get('output0') as Blob).arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(64); // IHDR width
  });

  it('turns unknown options into warnings and refuses bad values', async () => {
    const warned = await invoke(
      'classify',
      [cloud('pointcloud/cube.ply')],
      { modality: 'text' },
      { colour: 'red' },
    );
    expect(RemoteInvokeResultSchema.parse(await warned.json()).warnings).toEqual([
      'option "colour" is not supported by classify and was ignored',
    ]);
    const refused = await invoke(
      'render',
      [cloud('pointcloud/cube.ply')],
      { modality: 'image' },
      { size: 5 },
    );
    expect(refused.status).toBe(400);
  });

  it('records every invoke call', async () => {
    await invoke('classify', [cloud('pointcloud/cube.ply')], { modality: 'text' });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({
      headers: { authorization: 'Bearer example' },
      request: { task: 'classify', inputs: [{ part: 'input0', bytes: 640 }] },
      parts: [{ name: 'input0', filename: 'cube.ply', mediaType: 'application/x-ply', bytes: 640 }],
      status: 200,
    });
  });

  it('answers 503 with a retryable error when failing, and recovers', async () => {
    server.setMode('failing');
    const response = await invoke('classify', [cloud('pointcloud/cube.ply')], { modality: 'text' });
    expect(response.status).toBe(503);
    expect(RemoteErrorSchema.parse(await response.json()).error).toMatchObject({
      code: 'unavailable',
      retryable: true,
    });
    expect(server.calls.at(-1)?.status).toBe(503);
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
    server.setMode('ok');
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('refuses bad requests with 400 and unreadable content with 422, neither retryable', async () => {
    const expectError = async (response: Response, status: number, message: RegExp) => {
      expect(response.status).toBe(status);
      const { error } = RemoteErrorSchema.parse(await response.json());
      expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(message) });
    };
    const json = await fetch(`${server.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await expectError(json, 400, /multipart/);
    const noRequest = new FormData();
    noRequest.set('input0', new Blob([fixture('pointcloud/cube.ply')]), 'cube.ply');
    await expectError(
      await fetch(`${server.url}/invoke`, { method: 'POST', body: noRequest }),
      400,
      /`request`/,
    );
    await expectError(
      await invoke('segment', [cloud('pointcloud/cube.ply')], { modality: 'text' }),
      400,
      /unknown task/,
    );
    await expectError(
      await invoke('toString', [cloud('pointcloud/cube.ply')], { modality: 'text' }),
      400,
      /unknown task/,
    );
    const notACloud = { ...cloud('pointcloud/cube.ply'), data: Buffer.from('hello') };
    await expectError(await invoke('classify', [notACloud], { modality: 'text' }), 422, /not a PLY or PCD/);
  });
});
