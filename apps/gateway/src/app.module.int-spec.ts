import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AdapterRegistrations } from './adapters/adapter-registrations';
import { AppModule } from './app.module';
import { BatchRunner } from './batches/batch-runner';
import { BlobExpiry } from './blobs/blob-expiry';
import { DURABLE_BLOB_STORE } from './blobs/blobs.module';
import { FsBlobStore } from './blobs/fs-blob-store';
import { loadConfig } from './config/app-config';
import { InferenceService } from './inference/inference.service';
import { HopWorkers } from './jobs/hop-workers';
import { WebhookService } from './webhooks/webhook.service';

/** The lifecycle hooks the gateway's providers have, as Nest starts calling them. */
const calls: string[] = [];
for (const [type, hooks] of [
  [WebhookService, ['onApplicationBootstrap', 'onApplicationShutdown']],
  [HopWorkers, ['onApplicationBootstrap', 'onApplicationShutdown']],
  [BatchRunner, ['onApplicationBootstrap', 'beforeApplicationShutdown']],
  [AdapterRegistrations, ['onApplicationBootstrap', 'onApplicationShutdown']],
  [BlobExpiry, ['onApplicationShutdown']],
] as const) {
  const prototype = type.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const hook of hooks) {
    const original = prototype[hook]!;
    prototype[hook] = function (this: unknown, ...args: unknown[]) {
      calls.push(`${type.name}.${hook}`);
      return original.apply(this, args);
    };
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A gateway of `role` started and stopped: its modules, controllers and lifecycle hooks. */
async function lifeOf(role: string) {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-app-module-'));
  dirs.push(dir);
  const config = loadConfig({
    ROLE: role,
    REDIS_URL: inject('redisUrl'),
    QUEUE_DRIVER: 'bullmq',
    QUEUE_PREFIX: `test-${randomUUID()}`,
    BLOB_DIR: dir,
  });
  calls.length = 0;
  const app = await NestFactory.create(
    AppModule.forRoot(config, pino({ level: 'silent' })),
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  await app.init();
  const modules = [...app.get(ModulesContainer).values()];
  // Providers of modules other than AppModule, by class token (main.ts, tests).
  expect(app.get(InferenceService)).toBeInstanceOf(InferenceService);
  expect(app.get(DURABLE_BLOB_STORE)).toBeInstanceOf(FsBlobStore);
  await app.close();
  return {
    modules: modules.map((m) => m.metatype.name),
    controllers: modules.flatMap((m) => [...m.controllers.values()].map((c) => c.name)),
    calls: [...calls],
  };
}

describe('AppModule', () => {
  it('makes each feature module once, however many modules import it', async () => {
    const { modules } = await lifeOf('all');
    expect(modules).toEqual([...new Set(modules)]);
    expect(modules).toEqual(expect.arrayContaining(['AppModule', 'CoreModule', 'BlobsModule', 'JobsModule']));
  });

  it('gives a worker /health and /metrics only, and the API every controller', async () => {
    expect((await lifeOf('worker')).controllers.sort()).toEqual(['HealthController', 'MetricsController']);
    const api = (await lifeOf('api')).controllers;
    expect(api).toHaveLength(18);
    expect(api).toEqual(
      expect.arrayContaining([
        'HealthController',
        'MetricsController',
        'InferenceController',
        'BatchesController',
        'WhoamiController',
        'ResponsesController',
        'ConversationsController',
      ]),
    );
  });

  it('starts webhooks before the hop workers, then batches and registrations, and stops them in reverse', async () => {
    expect((await lifeOf('all')).calls).toEqual([
      'WebhookService.onApplicationBootstrap',
      'HopWorkers.onApplicationBootstrap',
      'BatchRunner.onApplicationBootstrap',
      'AdapterRegistrations.onApplicationBootstrap',
      'BatchRunner.beforeApplicationShutdown',
      'AdapterRegistrations.onApplicationShutdown',
      'HopWorkers.onApplicationShutdown',
      'WebhookService.onApplicationShutdown',
      'BlobExpiry.onApplicationShutdown',
    ]);
  });
});
