import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { AppConfig } from '../config/app-config';
import type { JobBackend } from '../queue/job-backend';
import { JOB_CANCELLED } from './bus-topics';
import type { HopRunner } from './hop-runner';

/** Hops of one adapter a process runs at once when its descriptor does not say. */
export const DEFAULT_CONCURRENCY = 2;

/** Whether a process with `config` runs the hops of `adapterId` (WORKER_ADAPTERS lists it, or is empty). */
export function servesAdapter(config: AppConfig, adapterId: string): boolean {
  if (config.role === 'api') return false;
  const wanted = config.queue.workerAdapters;
  return wanted.length === 0 || wanted.includes(adapterId);
}

/** Starts this process's workers (ROLE=worker|all) and shuts the queue down gracefully. */
export class HopWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly config: AppConfig,
    private readonly adapters: AdapterRegistry,
    private readonly backend: JobBackend,
    private readonly runner: HopRunner,
    private readonly logger: Logger,
  ) {}

  /** Adapters this process serves: WORKER_ADAPTERS, or all of them. */
  served(): string[] {
    if (this.config.role === 'api') return [];
    const wanted = this.config.queue.workerAdapters;
    return wanted.length > 0 ? wanted : this.adapters.list().map((a) => a.descriptor.id);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const id of this.config.queue.workerAdapters) {
      if (!this.adapters.has(id))
        throw new Error(`WORKER_ADAPTERS names ${id}, which is not a known adapter`);
    }
    if (this.served().length > 0) {
      this.backend.bus.subscribe(JOB_CANCELLED, (message) => this.runner.cancel(message.jobId));
    }
    for (const id of this.served()) await this.serve(id);
    this.logger.info(
      { role: this.config.role, queue: this.backend.kind, adapters: this.served() },
      'workers started',
    );
  }

  /** Whether this process runs the jobs of `adapterId` (WORKER_ADAPTERS lists it, or is empty). */
  serves(adapterId: string): boolean {
    return servesAdapter(this.config, adapterId);
  }

  /** Starts consuming the adapter's queue (also for adapters registered at runtime). */
  async serve(adapterId: string): Promise<void> {
    const { concurrency, rateLimit } = this.adapters.get(adapterId).descriptor;
    await this.backend.hops.work(
      adapterId,
      { concurrency: concurrency ?? DEFAULT_CONCURRENCY, ...(rateLimit ? { rateLimit } : {}) },
      this.runner.handle,
    );
  }

  /** Stops taking the adapter's jobs; its running ones finish. */
  async stopServing(adapterId: string): Promise<void> {
    await this.backend.hops.stop(adapterId);
  }

  async onApplicationShutdown(): Promise<void> {
    const graceMs = this.config.queue.shutdownTimeoutMs;
    await Promise.all([this.runner.close(graceMs), this.backend.close(graceMs)]);
    await this.adapters.close();
  }
}
