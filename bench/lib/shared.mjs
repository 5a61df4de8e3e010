// Shared by the bare servers (a) and (b): the request body, the compiled contracts and the
// result JSON in the same shape omnigate's POST /v1/infer answers (a JobResult plus links).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The compiled gateway: dist/apps/gateway, or the snapshot of it that bench/run.mjs passes down. */
export const DIST_DIR = join(ROOT, 'dist/apps/gateway');
export const BUILD_DIR = process.env.BENCH_BUILD_DIR ?? DIST_DIR;
export const GATEWAY_MAIN = join(BUILD_DIR, 'apps/gateway/src/main.js');
export const CONTRACTS = join(BUILD_DIR, 'libs/contracts/src/index.js');
/** Where the benchmarks write results, logs and CPU profiles (git ignores it). */
export const RESULTS_DIR = join(ROOT, 'bench/results');
export const LOG_DIR = join(RESULTS_DIR, 'logs');
export const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
/** The compiled gateway a benchmark runs a snapshot of: BENCH_GATEWAY_MAIN, or this checkout's build. */
export const SOURCE_MAIN = resolve(
  process.env.BENCH_GATEWAY_MAIN ?? join(DIST_DIR, 'apps/gateway/src/main.js'),
);

/** The body every server is sent. */
export const INFER_BODY = JSON.stringify({ inputs: [{ text: 'hello' }], output: 'text', task: 'echo' });

/** The contracts as compiled by `npm run build` (CommonJS). */
export function loadContracts() {
  if (!existsSync(CONTRACTS)) throw new Error(`${CONTRACTS} is missing: run \`npm run build\` first`);
  return createRequire(import.meta.url)(CONTRACTS);
}

/** A queued record, as omnigate builds it before the hop runs. */
export function newRecord(request) {
  const text = request.inputs[0].text;
  return {
    id: randomUUID(),
    status: 'queued',
    outputs: [],
    route: [{ adapter: 'builtin.echo', task: 'echo', from: ['text'], to: request.output.modality }],
    detected: [{ modality: 'text', mediaType: 'text/plain', confidence: 0.6, reason: 'valid UTF-8 text' }],
    warnings: [],
    timings: {},
    createdAt: new Date().toISOString(),
    text,
  };
}

/** The hop's work: echo the text input. */
export function echo(text) {
  return { outputs: [{ modality: 'text', mediaType: 'text/plain', text }] };
}

/** The completed record as answered: same keys and order as omnigate's response. */
export function completed(record, result, startedAt, finishedAt) {
  const created = Date.parse(record.createdAt);
  const { text: _text, ...rest } = record;
  return {
    ...rest,
    status: 'completed',
    outputs: result.outputs,
    route: rest.route.map((step) => ({ ...step, ms: finishedAt - startedAt })),
    timings: { queuedMs: startedAt - created, runMs: finishedAt - startedAt, totalMs: finishedAt - created },
    attempts: 1,
    finishedAt: new Date(finishedAt).toISOString(),
    links: { self: `/v1/jobs/${record.id}` },
  };
}

/** A 400 in omnigate's error shape, for bodies the schema rejects. */
export function badRequest(reply, err) {
  return reply.status(400).send({
    error: { code: 'invalid_request', message: err.issues?.[0]?.message ?? String(err.message) },
  });
}
