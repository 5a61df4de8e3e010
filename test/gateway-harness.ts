import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type Logger } from 'pino';
import OpenAI from 'openai';
import { createGateway } from '../apps/gateway/src/app.factory';
import { loadConfig, type AppConfig } from '../apps/gateway/src/config/app-config';
import { freePort } from './free-port';
import { redisEnv, type RedisEnv } from './test-redis';
import { startOpenAiTestServer, type OpenAiTestServer } from './openai-server/openai-test-server.mjs';

export interface TestGateway {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * A gateway on a free port, with its own blob dir and queue prefix on the test Redis; `logger`
 * (to read what it logs), else silent (TEST_LOG_LEVEL to see its lines).
 */
export async function startGateway(env: Record<string, string> = {}, logger?: Logger): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-e2e-'));
  const config = loadConfig({
    ...redisEnv(),
    QUEUE_DRIVER: 'bullmq',
    QUEUE_PREFIX: `test-${randomUUID()}`,
    BLOB_DIR: join(dir, 'blobs'),
    PORT: '0',
    HOST: '127.0.0.1',
    JOB_BACKOFF_MS: '50',
    // Dozens of gateways, browsers and sandboxes share two cores during `npm test`: a Redis
    // answer can take longer than the production default (2 s) without anything being wrong.
    REDIS_COMMAND_TIMEOUT_MS: '10000',
    ...env,
  });
  const app = await createGateway(config, logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      // A keep-alive socket the test's fetch left open would hold close() for its whole timeout.
      (app.getHttpServer() as { closeAllConnections?: () => void }).closeAllConnections?.();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The built gateway's entry point (`npm run build`; `npm test` builds it first). */
export const GATEWAY_MAIN = resolve(__dirname, '../dist/apps/gateway/apps/gateway/src/main.js');

/** A gateway running as a child process of the test (the built gateway). */
export interface GatewayProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>; a ROLE=worker process answers /health only. */
  url: string;
  /** What the process wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** Sends `signal` (default SIGKILL: no shutdown hooks run) and resolves once the process exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the built gateway (GATEWAY_MAIN) as a child process with `env` on top of this process's
 * environment, on a free port; resolves once its /health/ready answers. The caller gives the
 * queue settings (REDIS_URL, QUEUE_DRIVER, QUEUE_PREFIX, BLOB_DIR, ROLE ...) so that several
 * processes can share them.
 */
export async function spawnGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  if (!existsSync(GATEWAY_MAIN)) {
    throw new Error(`${GATEWAY_MAIN} is missing: run npm run build first (npm test does)`);
  }
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [GATEWAY_MAIN], {
    // The test Redis as it is now (a file may choose a cluster after its suites were collected).
    env: { ...process.env, LOG_LEVEL: 'warn', ...redisEnv(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${output}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, url, output: () => output, kill };
    await new Promise((r) => setTimeout(r, 100));
  }
  await kill();
  throw new Error(`gateway did not become ready: ${output}`);
}

/** A gateway in front of a fresh OpenAI test server, and the official client on the gateway. */
export interface BackendGateway {
  gw: TestGateway;
  /** The test server, as backend `id` of OPENAI_BACKENDS (it records the requests it gets). */
  backend: OpenAiTestServer;
  client: OpenAI;
  close(): Promise<void>;
}

/** Starts a test OpenAI server and a gateway with it as backend `id` serving `models`. */
export async function startBackendGateway(
  id: string,
  models: Record<string, string>,
  env: Record<string, string> = {},
): Promise<BackendGateway> {
  const backend = await startOpenAiTestServer();
  const gw = await startGateway({
    OPENAI_BACKENDS: JSON.stringify([{ id, baseUrl: backend.url, apiKey: 'sk-test', models }]),
    ...env,
  }).catch(async (err: unknown) => {
    await backend.close();
    throw err;
  });
  return {
    gw,
    backend,
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 }),
    close: async () => {
      await gw.close();
      await backend.close();
    },
  };
}

/** What gateway processes sharing one queue have in common: the test Redis, a fresh prefix, one blob folder. */
export interface SharedQueue {
  env: RedisEnv & { QUEUE_DRIVER: 'bullmq'; QUEUE_PREFIX: string; BLOB_DIR: string };
  /** Removes the blob folder. */
  remove(): void;
}

export function sharedQueue(): SharedQueue {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-shared-'));
  return {
    env: {
      ...redisEnv(),
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: `test-${randomUUID()}`,
      BLOB_DIR: join(dir, 'blobs'),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
