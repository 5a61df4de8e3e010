#!/usr/bin/env node
// An omnigate remote adapter: a server speaking the remote-adapter protocol
// (docs/remote-adapter-protocol.md). It brings a capability the gateway has no code for,
// point cloud → text "classify", and a modality the gateway does not know yet, `mesh`.
//
//   node examples/remote-adapter/server.mjs --port 5010 [--fail]
//
// Plain JavaScript on Fastify and @fastify/multipart; it imports nothing from the gateway.

import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { describeMesh, describeMeshText, readMesh } from './mesh.mjs';
import { encodeGrayPng } from './png.mjs';
import {
  classifyPointCloud,
  describeClassification,
  readPointCloud,
  renderTopDown,
  UnreadableInputError,
} from './pointcloud.mjs';

const MAX_BYTES = 64 * 1024 * 1024;
const POINT_CLOUD_TYPES = ['application/x-ply', 'application/x-pcd'];

/** What each task needs, and how it answers. `run` gets the input bytes and the request. */
const TASKS = {
  classify: {
    capability: {
      task: 'classify',
      inputs: ['pointcloud'],
      output: 'text',
      inputMediaTypes: POINT_CLOUD_TYPES,
    },
    run([cloud]) {
      const result = classifyPointCloud(readPointCloud(cloud.data));
      return { outputs: [text(describeClassification(result))], meta: { classification: result } };
    },
  },
  describe: {
    capability: {
      task: 'describe',
      inputs: ['mesh'],
      output: 'text',
      inputMediaTypes: ['model/stl', 'model/obj'],
    },
    run([mesh]) {
      const result = describeMesh(readMesh(mesh.data, mesh.mediaType));
      return { outputs: [text(describeMeshText(result))], meta: { mesh: result } };
    },
  },
  // A binary output, to show the multipart answer: a top-down picture of the cloud.
  render: {
    capability: {
      task: 'render',
      inputs: ['pointcloud'],
      output: 'image',
      inputMediaTypes: POINT_CLOUD_TYPES,
      outputMediaTypes: ['image/png'],
    },
    options: { size: (v) => Number.isInteger(v) && v >= 16 && v <= 1024 },
    run([cloud], { options }) {
      const size = options.size ?? 256;
      const png = encodeGrayPng(size, size, renderTopDown(readPointCloud(cloud.data), size));
      return {
        outputs: [{ modality: 'image', mediaType: 'image/png', data: png, filename: 'top-down.png' }],
      };
    },
  },
};

/** `mesh` is new to the gateway: how to recognise it. An ascii STL starts with "solid". */
const MESH_MODALITY = {
  name: 'mesh',
  description: 'Triangle meshes: STL (ascii and binary) and Wavefront OBJ',
  mediaTypes: ['model/stl', 'model/obj'],
  extensions: ['stl', 'obj'],
  pattern: '^solid\\s',
  mediaType: 'model/stl',
};

function descriptor({ id, domain }) {
  return {
    ...(id ? { id } : {}),
    version: '1.0.0',
    description: 'Example remote adapter: point cloud shape classes and pictures, mesh measurements',
    capabilities: Object.values(TASKS).map((t) => ({ ...t.capability, limits: { maxBytes: MAX_BYTES } })),
    concurrency: 4,
    latencyHintMs: 50,
    // Dearer than the built-ins: they stay the default routes; `render` here is an alternative to theirs.
    costHint: 5,
    ...(domain ? { domain } : {}),
    modalities: [MESH_MODALITY],
  };
}

const text = (value) => ({ modality: 'text', mediaType: 'text/plain', text: value });

/** An answer with an error body; the protocol's rule: 408, 409, 429 and 5xx are retryable. */
class ProtocolError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  get body() {
    const retryable = this.status >= 500 || [408, 409, 429].includes(this.status);
    return { error: { code: this.code, message: this.message, retryable } };
  }
}
const badRequest = (message) => new ProtocolError(400, 'invalid_request', message);

function fromStatus(status, message) {
  const code = status === 413 ? 'payload_too_large' : status < 500 ? 'invalid_request' : 'internal_error';
  return new ProtocolError(status, code, message);
}

/** Reads the multipart body: the `request` JSON field and the file parts, by name. */
async function readInvoke(request) {
  if (!request.isMultipart()) {
    throw badRequest('send multipart/form-data: a `request` field and one file part per input');
  }
  let invoke;
  const files = new Map();
  for await (const part of request.parts()) {
    // `request` is a plain field; sent with a file name (as a Blob) it arrives as a file part.
    const data = part.type === 'file' ? await part.toBuffer() : undefined;
    if (part.fieldname === 'request') invoke = parseRequest(data ? data.toString('utf8') : part.value);
    else if (data) files.set(part.fieldname, { filename: part.filename, mediaType: part.mimetype, data });
  }
  if (!invoke || typeof invoke !== 'object') throw badRequest('no `request` field');
  return { invoke, files };
}

/** @fastify/multipart already parses a field sent with `Content-Type: application/json`. */
function parseRequest(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest('the `request` field is not JSON');
  }
}

/** Checks the request against the task: every input present, of the right modality and size. */
function inputsFor(invoke, files) {
  if (!Object.hasOwn(TASKS, invoke.task)) {
    throw badRequest(`unknown task "${invoke.task}"; this adapter does ${Object.keys(TASKS).join(', ')}`);
  }
  const task = TASKS[invoke.task];
  const { inputs, output } = invoke;
  if (!Array.isArray(inputs) || inputs.length !== task.capability.inputs.length) {
    throw badRequest(`${invoke.task} takes ${task.capability.inputs.length} input(s)`);
  }
  if (output?.modality !== task.capability.output) {
    throw badRequest(`${invoke.task} answers ${task.capability.output}`);
  }
  return inputs.map((input, i) => {
    if (input?.modality !== task.capability.inputs[i]) {
      throw badRequest(`input ${i} must be ${task.capability.inputs[i]}, not ${input?.modality}`);
    }
    const file = files.get(input.part);
    if (!file) throw badRequest(`input ${i}: no file part named "${input.part}"`);
    if (file.data.length !== input.bytes) {
      throw badRequest(`input ${i}: ${file.data.length} bytes arrived, the request says ${input.bytes}`);
    }
    return { ...file, mediaType: input.mediaType ?? file.mediaType };
  });
}

/** Unknown options become warnings; a known option with a bad value is a bad request. */
function checkOptions(invoke) {
  const accepted = TASKS[invoke.task].options ?? {};
  const warnings = [];
  for (const [name, value] of Object.entries(invoke.options ?? {})) {
    if (!Object.hasOwn(accepted, name)) {
      warnings.push(`option "${name}" is not supported by ${invoke.task} and was ignored`);
    } else if (!accepted[name](value)) {
      throw badRequest(`option "${name}": ${JSON.stringify(value)} is not valid`);
    }
  }
  return warnings;
}

/** Text-only results are JSON; binary outputs go as file parts beside a `result` JSON field. */
async function sendResult(reply, { outputs, meta, warnings }) {
  const parts = [];
  const described = outputs.map((output, i) => {
    if (output.text !== undefined) return output;
    parts.push({ name: `output${i}`, ...output });
    return { modality: output.modality, mediaType: output.mediaType, part: `output${i}` };
  });
  const result = { outputs: described, ...(meta ? { meta } : {}), ...(warnings.length ? { warnings } : {}) };
  if (parts.length === 0) return reply.send(result);
  const form = new FormData();
  form.set('result', JSON.stringify(result));
  for (const p of parts) form.set(p.name, new Blob([p.data], { type: p.mediaType }), p.filename ?? p.name);
  const body = new Response(form);
  return reply
    .header('content-type', body.headers.get('content-type'))
    .send(Buffer.from(await body.arrayBuffer()));
}

/**
 * Starts the example server. `mode`: `ok`; `failing` (invoke and health answer 503);
 * `invalid-descriptor` (a descriptor the gateway must refuse). `calls` records every invoke.
 */
export async function startExampleAdapterServer({
  port = 0,
  host = '127.0.0.1',
  mode = 'ok',
  domain,
  id,
} = {}) {
  let currentMode = mode;
  const calls = [];
  const app = Fastify({ logger: false });
  await app.register(multipart, { limits: { fileSize: MAX_BYTES, files: 16, fields: 4 } });

  app.setErrorHandler((error, _request, reply) => {
    // Errors of Fastify and @fastify/multipart (too large, malformed) carry their status.
    const answer =
      error instanceof ProtocolError ? error : fromStatus(error.statusCode ?? 500, error.message);
    return reply.status(answer.status).send(answer.body);
  });

  // The status of each recorded call, success or error, once it is known.
  const callOf = new WeakMap();
  app.addHook('onSend', async (request, reply) => {
    const call = callOf.get(request);
    if (call) call.status = reply.statusCode;
  });

  app.get('/descriptor', async () =>
    currentMode === 'invalid-descriptor' ? { version: '', capabilities: [] } : descriptor({ id, domain }),
  );

  app.get('/health', async (_request, reply) =>
    currentMode === 'failing' ? reply.status(503).send({ status: 'unavailable' }) : { status: 'ok' },
  );

  app.post('/invoke', async (request, reply) => {
    const call = { id: randomUUID(), headers: request.headers, request: undefined, parts: [], status: 0 };
    calls.push(call);
    callOf.set(request, call);
    const { invoke, files } = await readInvoke(request);
    call.request = invoke;
    call.parts = [...files].map(([name, f]) => ({
      name,
      filename: f.filename,
      mediaType: f.mediaType,
      bytes: f.data.length,
    }));
    if (currentMode === 'failing') {
      throw new ProtocolError(503, 'unavailable', 'the example adapter is set to fail');
    }
    const inputs = inputsFor(invoke, files);
    const warnings = checkOptions(invoke);
    try {
      const result = TASKS[invoke.task].run(inputs, invoke);
      return sendResult(reply, { ...result, warnings });
    } catch (err) {
      if (err instanceof UnreadableInputError) {
        throw new ProtocolError(422, 'unprocessable_input', err.message);
      }
      throw err;
    }
  });

  await app.listen({ port, host });
  const { port: actualPort } = app.server.address();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    calls,
    setMode: (next) => void (currentMode = next),
    close: () => app.close(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5010' },
      host: { type: 'string', default: '127.0.0.1' },
      fail: { type: 'boolean', default: false },
      domain: { type: 'string' },
    },
  });
  const server = await startExampleAdapterServer({
    port: Number(values.port),
    host: values.host,
    mode: values.fail ? 'failing' : 'ok',
    domain: values.domain,
  });
  console.log(`example remote adapter listening on ${server.url}${values.fail ? ' (failing)' : ''}`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => server.close().then(() => process.exit(0)));
  }
}
