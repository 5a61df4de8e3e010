// Process plumbing shared by the benchmark scripts (run, detect-upload, routes, openai, batch,
// chat-peers): free ports, children with their output in a log file, waiting for /health/ready, a
// private redis-server, the OpenAI-compatible test server, and stopping children. Each script keeps its own set of running children (a Set
// of { proc, name, ... }) and passes it in, so that its cleanup can stop whatever is left.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { safeRead } from './machine.mjs';
import { ROOT } from './shared.mjs';

const OPENAI_TEST_SERVER = join(ROOT, 'test/openai-server/openai-test-server.mjs');

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a (log) file; '' when it cannot be read. */
export function tail(file, lines = 20) {
  return safeRead(file).split('\n').slice(-lines).join('\n');
}

/** Spawns `command args` (stdin ignored), its stdout and stderr written to `logFile`. */
export function spawnLogged(command, args, logFile, options = {}) {
  const log = createWriteStream(logFile);
  const proc = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  return proc;
}

/** Polls `${url}/health/ready` every 100 ms until it answers 2xx; throws `${notReady} within N ms` after `timeoutMs`. */
export async function waitReady(url, timeoutMs, notReady) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${notReady} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * waitReady(), but throws `exited(code, signal)` as soon as `proc` exits, rather than waiting
 * out the timeout.
 */
export async function waitReadyOrExit(proc, url, timeoutMs, { notReady, exited }) {
  const exit = once(proc, 'exit').then(([code, signal]) => {
    throw new Error(exited(code, signal));
  });
  exit.catch(() => {});
  await Promise.race([waitReady(url, timeoutMs, notReady), exit]);
}

/**
 * Stops `child` if it is in `children` (SIGTERM, SIGKILL after 15 s) and removes it from there.
 * Resolves to true when it did, false when the child was not (or no longer) in the set.
 */
export async function stopChild(children, child) {
  if (!children.has(child)) return false;
  children.delete(child);
  if (child.proc.exitCode === null && child.proc.signalCode === null) {
    const exited = once(child.proc, 'exit');
    child.proc.kill('SIGTERM');
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  return true;
}

/**
 * Starts a private redis-server on a free port of 127.0.0.1 (no persistence), its output in
 * `logFile`, adds it to `children` as { proc, name: 'redis' }, and connects a client to it
 * (up to 10 s). The caller disconnects the client and stops the child.
 */
export async function startRedis(children, logFile) {
  const port = await freePort();
  const proc = spawnLogged(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    logFile,
  );
  const child = { proc, name: 'redis' };
  children.add(child);
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        throw new Error(`redis-server did not start: ${err.message}`, { cause: err });
      }
      client.disconnect();
      await sleep(100);
    }
  }
  return { port, proc, client, child };
}

/** The version the running server reports (INFO server: redis_version). */
export async function redisVersion(client) {
  return (await client.info('server')).match(/redis_version:(\S+)/)?.[1];
}

/**
 * Polls GET `url` (with `headers`) every 100 ms until it answers 2xx; throws when `proc` exits
 * first or after `timeoutMs`, with the tail of `logFile`. For servers without /health/ready.
 */
export async function waitUntilOk(proc, url, timeoutMs, { headers = {}, what = url, logFile } = {}) {
  const deadline = Date.now() + timeoutMs;
  const log = () => (logFile ? `; log ${logFile}:\n${tail(logFile)}` : '');
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `${what} exited during start-up (code ${proc.exitCode}, signal ${proc.signalCode})${log()}`,
      );
    }
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms${log()}`);
    await sleep(100);
  }
}

/**
 * Commands the server has run since its last CONFIG RESETSTAT, from INFO commandstats:
 * { total, byCommand: { get: n, … } (largest first), usecByCommand: { get: µs, … } } (the time
 * Redis spent executing each, its own figure: without reading, parsing and answering).
 */
export async function redisCommandStats(client) {
  const byCommand = {};
  const usecByCommand = {};
  let total = 0;
  for (const m of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    byCommand[m[1]] = Number(m[2]);
    usecByCommand[m[1]] = Number(m[3]);
    total += Number(m[2]);
  }
  const sorted = Object.fromEntries(Object.entries(byCommand).sort((a, b) => b[1] - a[1]));
  return { total, byCommand: sorted, usecByCommand };
}

/**
 * Starts a copy of the built gateway (`main`) as a child: `publicEnv` (shown in the log line)
 * and `privateEnv` on top of this process's environment less `dropEnv`, its output in
 * `logFile`, registered in `children`; resolves once /health/ready answers within
 * `readyTimeoutMs` (throws with the log's tail if it exits first). `launcher`: a command and its
 * arguments that run node (valgrind, say; the child's pid is then the launcher's). `note` is
 * appended to the printed line.
 */
export async function startGatewayChild(
  children,
  {
    name,
    main,
    cwd,
    logFile,
    publicEnv,
    privateEnv = {},
    dropEnv = [],
    nodeArgs = [],
    launcher = [],
    readyTimeoutMs = 30_000,
    blobDir,
    note = '',
  },
) {
  const port = await freePort();
  const env = { ...process.env, ...publicEnv, ...privateEnv, PORT: String(port), HOST: '127.0.0.1' };
  if (blobDir) env.BLOB_DIR = blobDir;
  for (const key of dropEnv) delete env[key];
  const [command, ...args] = [...launcher, process.execPath, ...nodeArgs, main];
  const proc = spawnLogged(command, args, logFile, { cwd, env });
  const child = { proc, url: `http://127.0.0.1:${port}`, blobDir, name: `gateway-${name}`, publicEnv };
  children.add(child);
  await waitReadyOrExit(proc, child.url, readyTimeoutMs, {
    notReady: `the ${name} gateway was not ready`,
    exited: (code, signal) =>
      `the ${name} gateway exited during start-up (code ${code}, signal ${signal}); log ${logFile}:\n${tail(logFile)}`,
  });
  const shown = Object.entries(publicEnv).map(([k, v]) => `${k}=${v}`);
  console.log(`\ngateway ${name}: pid ${proc.pid} on ${child.url}, ${shown.join(' ')}${note}`);
  return child;
}

/** Node options that write a CPU profile of the child into `dir` (made if missing) when `on`. */
export function cpuProfileArgs(on, dir, name) {
  if (!on) return [];
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

/**
 * The repository's OpenAI-compatible test server (test/openai-server/openai-test-server.mjs) in a
 * child process of its own, so that its CPU is not the caller's: `--chunk-delay-ms chunkDelayMs`
 * between streamed chunks, any bearer but `apiKey` answered 401. Registered in `children` as
 * { proc, name, url (…/v1), port, chunkDelayMs }; resolves once GET /v1/models answers 200.
 */
export async function startOpenAiTestServer(children, { name, chunkDelayMs, apiKey, logFile, cwd = ROOT }) {
  const port = await freePort();
  const proc = spawnLogged(
    process.execPath,
    [
      OPENAI_TEST_SERVER,
      '--port',
      String(port),
      '--chunk-delay-ms',
      String(chunkDelayMs),
      '--api-key',
      apiKey,
    ],
    logFile,
    { cwd, env: { ...process.env, NODE_ENV: 'production' } },
  );
  const child = { proc, name, url: `http://127.0.0.1:${port}/v1`, port, chunkDelayMs };
  children.add(child);
  await waitUntilOk(proc, `${child.url}/models`, 15_000, {
    headers: { authorization: `Bearer ${apiKey}` },
    what: `the test server (${name})`,
    logFile,
  });
  console.log(`test server ${name}: pid ${proc.pid} on ${child.url}, chunk delay ${chunkDelayMs} ms`);
  return child;
}
