import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { HopObserver, HopOutcome } from '../jobs/hop-runner';
import type { JobRecord } from '../jobs/job-record';
import { ModelMetrics, type ModelLabels } from './model-metrics';

/** Latency buckets, in seconds: from a cached answer to a long generation. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The route label of a request no route matched: never its raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The Prometheus metrics of one process, on a registry of its own (not prom-client's global one,
 * so several gateways can live in one process, as in the tests). Every label value is bounded:
 * methods, route templates, statuses, adapter ids; never a job id, a key or a raw path.
 */
export class GatewayMetrics implements HopObserver {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'omnigate_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'omnigate_http_request_duration_seconds',
    help: 'Time from the request to the end of its answer, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobsEnded = new Counter({
    name: 'omnigate_jobs_ended_total',
    help: 'Jobs ended in this process, by status (completed, failed, cancelled)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'omnigate_job_duration_seconds',
    help: 'End-to-end time of the jobs ended in this process, from creation to end, by status',
    labelNames: ['status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobQueued = new Histogram({
    name: 'omnigate_job_queued_seconds',
    help: 'Time the jobs ended in this process spent waiting in queues before their hops ran',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly hopRuns = new Counter({
    name: 'omnigate_hop_runs_total',
    help: 'Hop runs (attempts) in this process, by adapter and outcome (completed, retried, failed, cancelled)',
    labelNames: ['adapter', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly hopDuration = new Histogram({
    name: 'omnigate_hop_duration_seconds',
    help: 'Time of one hop run (the adapter call and its outputs stored), by adapter and outcome',
    labelNames: ['adapter', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Model backends: tokens, time to first token, time per output token (model-metrics.ts). */
  private readonly models: ModelMetrics;

  /**
   * `models`: the labels of the configured model backends' adapters, by adapter id (modelLabels);
   * an adapter without labels gets no model series.
   */
  constructor(models: ReadonlyMap<string, ModelLabels> = new Map()) {
    // Event loop lag, heap, RSS, GC, handles..., on this registry only.
    collectDefaultMetrics({ register: this.registry });
    this.models = new ModelMetrics(this.registry, models);
  }

  /** The content type of `scrape()`: the Prometheus text exposition format. */
  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  httpAnswered(method: string, route: string | undefined, status: number, ms: number): void {
    const template = route ?? UNMATCHED_ROUTE;
    this.httpRequests.inc({ method, route: template, status: String(status) });
    this.httpDuration.observe({ method, route: template }, ms / 1000);
  }

  jobEnded(record: JobRecord): void {
    const { status, timings } = record;
    this.jobsEnded.inc({ status });
    if (timings.totalMs !== undefined) this.jobDuration.observe({ status }, timings.totalMs / 1000);
    if (timings.queuedMs !== undefined) this.jobQueued.observe(timings.queuedMs / 1000);
  }

  hopRan(adapter: string, outcome: HopOutcome, ms: number): void {
    this.hopRuns.inc({ adapter, outcome });
    this.hopDuration.observe({ adapter, outcome }, ms / 1000);
  }

  hopAnswered(adapter: string, meta: Record<string, unknown> | undefined): void {
    this.models.answered(adapter, meta);
  }

  /**
   * Counts every answer by the route the router matched (`request.routeOptions.url`, a template
   * such as `/v1/jobs/:id`), never the raw URL. Before Nest registers its routes.
   */
  installHttpHook(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      this.httpAnswered(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    });
  }
}
