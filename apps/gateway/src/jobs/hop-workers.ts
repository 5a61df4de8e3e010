import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { AppConfig } from '../config/app-config';
import type { JobBackend } from '../queue/job-backend';
import { JOB_CANCELLED } from './bus-topics';
import type { HopRunner } from './hop-runner';
import { worksLane, type WorkLane } from './work-lanes';

/** Hops of one adapter a process runs at once when its descriptor does not say. */
export const DEFAULT_CONCURRENCY = 2;

/**
 * Whether a process with `config` runs the hops of `adapterId` in `lane`: not `ROLE=api`, the
 * lane in WORKER_LANES, and WORKER_ADAPTERS lists the adapter or is empty. By default the
 * interactive lane, the only one the direct lane runs hops of.
 */
export function servesAdapter(config: AppConfig, adapterId: string, lane: WorkLane = 'interactive'): boolean {
  if (config.role === 'api' || !worksLane(config, lane)) return false;
  const wanted = config.queue.workerAdapters;
  return wanted.length === 0 || wanted.includes(adapterId);
}

/**
 * Starts this process's workers (ROLE=worker|all), one per adapter it serves and lane it works
 * (WORKER_LANES), and shuts the queue down gracefully.
 */
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
      {
        role: this.config.role,
        queue: this.backend.kind,
        lanes: this.config.queue.workerLanes,
        adapters: this.served(),
      },
      'workers started',
    );
  }

  /**
   * Whether this process runs the jobs of `adapterId` in any lane (WORKER_ADAPTERS lists it, or
   * is empty).
   */
  serves(adapterId: string): boolean {
    return this.config.queue.workerLanes.some((lane) => servesAdapter(this.config, adapterId, lane));
  }

  /** Starts consuming the adapter's queue in each lane this process works (also for adapters registered at runtime). */
  async serve(adapterId: string): Promise<void> {
    const { concurrency, rateLimit } = this.adapters.get(adapterId).descriptor;
    const limits = { concurrency: concurrency ?? DEFAULT_CONCURRENCY, ...(rateLimit ? { rateLimit } : {}) };
    for (const lane of this.config.queue.workerLanes) {
      await this.backend.hops.work(adapterId, limits, this.runner.handle, lane);
    }
  }

  /** Stops taking the adapter's jobs (in every lane); its running ones finish. */
  async stopServing(adapterId: string): Promise<void> {
    await Promise.all(this.config.queue.workerLanes.map((lane) => this.backend.hops.stop(adapterId, lane)));
  }

  async onApplicationShutdown(): Promise<void> {
    const graceMs = this.config.queue.shutdownTimeoutMs;
    await Promise.all([this.runner.close(graceMs), this.backend.close(graceMs)]);
    await this.adapters.close();
  }
}
