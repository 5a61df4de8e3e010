import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { inject } from 'vitest';
import { createGateway } from '../apps/gateway/src/app.factory';
import { loadConfig, type AppConfig } from '../apps/gateway/src/config/app-config';

export interface TestGateway {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** A gateway on a free port, with its own blob dir and queue prefix on the test Redis. */
export async function startGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-e2e-'));
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    QUEUE_DRIVER: 'bullmq',
    QUEUE_PREFIX: `test-${randomUUID()}`,
    BLOB_DIR: join(dir, 'blobs'),
    PORT: '0',
    HOST: '127.0.0.1',
    JOB_BACKOFF_MS: '50',
    ...env,
  });
  const app = await createGateway(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
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
