import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { AdapterHealth } from '../adapters/adapter-health';
import type { HopObserver, HopOutcome } from '../jobs/hop-runner';
import type { HopQueue, QueueCounts, QueueRef } from '../jobs/job-ports';
import type { JobRecord } from '../jobs/job-record';
import { droppedSpans } from '../tracing/trace-context';
import { WORK_LANES } from '../jobs/work-lanes';
import { BatchMetrics } from './batch-metrics';
import { BlobMetrics } from './blob-metrics';
import { DetectionMetrics } from './detection-metrics';
import { ModelMetrics, type ModelLabels } from './model-metrics';
import { SeriesCounter, SeriesHistogram } from './series';
import { WebhookMetrics } from './webhook-metrics';

/** Latency buckets, in seconds: from a cached answer to a long generation. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The route label of a request no route matched: never its raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

// --- Jobs created, hop retries and fallbacks, adapters and queues (gauges read at scrape time) ---

/** The task label of a job whose request named no task. */
export const NO_TASK = 'none';
/** Queue counts are read at most this often, every scrape in between sharing the last reading. */
export const QUEUE_READ_EVERY_MS = 1000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
/** The breaker gauge's values. */
const BREAKER_VALUES = { closed: 0, 'half-open': 0.5, open: 1 } as const;

/** The Node process metrics, made once per process (processMetrics). */
let nodeMetrics: Metric[] | undefined;

/**
 * The Node process metrics (event loop lag, heap, RSS, GC, handles...), made once per process and
 * shown by every gateway's registry. Made once because they cannot be stopped: prom-client 15's
 * collectDefaultMetrics returns nothing, and its event loop delay monitor (monitorEventLoopDelay)
 * and GC observer (a PerformanceObserver) are kept in closures, never disabled; each call would
 * add another pair for the life of the process. What they measure is the process's anyway.
 */
function processMetrics(): Metric[] {
  if (!nodeMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    nodeMetrics = registry.getMetricsAsArray().map((m) => registry.getSingleMetric(m.name)!);
  }
  return nodeMetrics;
}

/** What the scrape-time gauges read: the adapters, their breakers and health, their queues. */
export interface MetricSources {
  /** The ids of the adapters registered now. */
  adapters(): Iterable<string>;
  health: Pick<AdapterHealth, 'breaker' | 'probeOk'>;
  /** Without `counts` (or without queues), no queue gauges. */
  queues?: Pick<HopQueue, 'counts'>;
}

/**
 * The Prometheus metrics of one process, on a registry of its own (not prom-client's global one,
 * so several gateways can live in one process, as in the tests). Every label value is bounded:
 * methods, route templates, statuses, adapter ids; never a job id, a key or a raw path.
 */
export class GatewayMetrics implements HopObserver {
  readonly registry = new Registry();
  private readonly httpRequests = new SeriesCounter(this.registry, {
    name: 'omnigate_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
  });
  private readonly httpDuration = new SeriesHistogram(this.registry, {
    name: 'omnigate_http_request_duration_seconds',
    help: 'Time from the request to the end of its answer, by method and route template',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
  });
  private readonly jobsEnded = new SeriesCounter(this.registry, {
    name: 'omnigate_jobs_ended_total',
    help: 'Jobs ended in this process, by status (completed, failed, cancelled)',
    labelNames: ['status'],
  });
  private readonly jobDuration = new SeriesHistogram(this.registry, {
    name: 'omnigate_job_duration_seconds',
    help: 'End-to-end time of the jobs ended in this process, from creation to end, by status',
    labelNames: ['status'],
    buckets: LATENCY_BUCKETS,
  });
  private readonly jobQueued = new SeriesHistogram(this.registry, {
    name: 'omnigate_job_queued_seconds',
    help: 'Time the jobs ended in this process spent waiting in queues before their hops ran',
    buckets: LATENCY_BUCKETS,
  });
  private readonly hopRuns = new SeriesCounter(this.registry, {
    name: 'omnigate_hop_runs_total',
    help: 'Hop runs (attempts) in this process, by adapter, task and outcome (completed, retried, failed, cancelled)',
    labelNames: ['adapter', 'task', 'outcome'],
  });
  private readonly hopDuration = new SeriesHistogram(this.registry, {
    name: 'omnigate_hop_duration_seconds',
    help: 'Time of one hop run (the adapter call and its outputs stored), by adapter and outcome',
    labelNames: ['adapter', 'outcome'],
    buckets: LATENCY_BUCKETS,
  });

  // --- Jobs created, hop retries and fallbacks, adapters and queues ---
  private readonly jobsCreated = new SeriesCounter(this.registry, {
    name: 'omnigate_jobs_created_total',
    help: 'Jobs created in this process, by lane, modality pair (inputs->output) and requested task',
    labelNames: ['lane', 'modalities', 'task'],
  });
  private readonly hopRetries = new SeriesCounter(this.registry, {
    name: 'omnigate_hop_retries_total',
    help: 'Hop runs in this process that failed and are to be tried again, by adapter',
    labelNames: ['adapter'],
  });
  private readonly hopFallbacks = new SeriesCounter(this.registry, {
    name: 'omnigate_hop_fallbacks_total',
    help: "Jobs that left a failed route for their next one in this process, from the failed adapter to the next route's first",
    labelNames: ['from', 'to'],
  });
  /** Read from the tracing exporter at scrape time (0 without tracing). */
  private readonly spansDropped = new Counter({
    name: 'omnigate_trace_spans_dropped_total',
    help: 'Spans made in this process and dropped unexported because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE): the collector slow or away',
    registers: [this.registry],
    collect() {
      this.reset();
      this.inc(droppedSpans());
    },
  });
  private sources?: MetricSources;
  /** The last reading of the queues, shared by the scrapes of the next QUEUE_READ_EVERY_MS. */
  private queueReading?: { at: number; counts: Promise<QueueCounts[] | undefined> };
  private readonly breakerState = new Gauge({
    name: 'omnigate_adapter_breaker_state',
    help: 'Circuit breaker of each registered adapter: 0 closed, 0.5 half-open, 1 open',
    labelNames: ['adapter'] as const,
    registers: [this.registry],
    collect: () => this.collectAdapters(),
  });
  private readonly adapterHealthy = new Gauge({
    name: 'omnigate_adapter_healthy',
    help: 'Health probe of each registered adapter: 1 passing (or no probe), 0 failing',
    labelNames: ['adapter'] as const,
    registers: [this.registry],
  });
  private readonly queueHops = new Gauge({
    name: 'omnigate_queue_hops',
    help: `Hops in each adapter's queue of each lane, by state (read at most every ${QUEUE_READ_EVERY_MS} ms)`,
    labelNames: ['adapter', 'lane', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueues(),
  });

  /** Model backends: tokens, time to first token, time per output token (model-metrics.ts). */
  private readonly models: ModelMetrics;
  /** Batch lines and batches ended (BatchRunner's observer). */
  readonly batches = new BatchMetrics(this.registry);
  /** Webhook delivery tries (WebhookService's observer). */
  readonly webhooks = new WebhookMetrics(this.registry);
  /** Bytes written and read, by store (TieredBlobStore's traffic). */
  readonly blobs = new BlobMetrics(this.registry);
  /** Inputs detected and refused (InputInspector's observer). */
  readonly detection = new DetectionMetrics(this.registry);

  /**
   * `models`: the labels of the configured model backends' adapters, by adapter id (modelLabels);
   * an adapter without labels gets no model series. `defaults`: false with METRICS=off, no
   * process metrics (and their event loop lag monitor and GC observer are not made for it).
   */
  constructor(models: ReadonlyMap<string, ModelLabels> = new Map(), defaults = true) {
    // Event loop lag, heap, RSS, GC, handles..., shared by every registry of the process.
    if (defaults) for (const metric of processMetrics()) this.registry.registerMetric(metric);
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
    this.httpRequests.at(method, template, status).inc();
    this.httpDuration.at(method, template).observe(ms / 1000);
  }

  jobEnded(record: JobRecord): void {
    const { status, timings } = record;
    this.jobsEnded.at(status).inc();
    if (timings.totalMs !== undefined) this.jobDuration.at(status).observe(timings.totalMs / 1000);
    if (timings.queuedMs !== undefined) this.jobQueued.at().observe(timings.queuedMs / 1000);
  }

  hopRan(adapter: string, outcome: HopOutcome, ms: number, task: string): void {
    this.hopRuns.at(adapter, task, outcome).inc();
    this.hopDuration.at(adapter, outcome).observe(ms / 1000);
    if (outcome === 'retried') this.hopRetries.at(adapter).inc();
  }

  // --- Jobs created, hop retries and fallbacks, adapters and queues ---

  /** `modalities`: from `modalityPair`; `task`: the request's (one an adapter declares), if any. */
  jobCreated(lane: string, modalities: string, task: string | undefined): void {
    this.jobsCreated.at(lane, modalities, task ?? NO_TASK).inc();
  }

  fellBack(from: string, to: string): void {
    this.hopFallbacks.at(from, to).inc();
  }

  /** Where the adapter and queue gauges read from, at scrape time. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Both adapter gauges, from the current state: adapters gone since the last scrape drop out. */
  private collectAdapters(): void {
    this.breakerState.reset();
    this.adapterHealthy.reset();
    if (!this.sources) return;
    const { health } = this.sources;
    for (const adapter of this.sources.adapters()) {
      this.breakerState.set({ adapter }, BREAKER_VALUES[health.breaker(adapter)]);
      this.adapterHealthy.set({ adapter }, health.probeOk(adapter) ? 1 : 0);
    }
  }

  private async collectQueues(): Promise<void> {
    const counts = await this.readQueues();
    this.queueHops.reset();
    for (const queue of counts ?? []) {
      for (const state of QUEUE_STATES) {
        this.queueHops.set({ adapter: queue.adapter, lane: queue.lane, state }, queue[state]);
      }
    }
  }

  /**
   * Every registered adapter's queue in each lane (whether or not this process works it), read
   * at most once a QUEUE_READ_EVERY_MS and shared by the scrapes meanwhile, concurrent ones
   * included; undefined (no queue gauges) when the queues cannot be read (Redis away).
   */
  private readQueues(): Promise<QueueCounts[] | undefined> {
    const now = Date.now();
    const last = this.queueReading;
    if (last && now - last.at < QUEUE_READ_EVERY_MS) return last.counts;
    const sources = this.sources;
    if (!sources?.queues?.counts) return Promise.resolve(undefined);
    const refs: QueueRef[] = [];
    for (const adapter of sources.adapters()) {
      for (const lane of WORK_LANES) refs.push({ adapter, lane });
    }
    const counts = sources.queues.counts(refs).catch(() => undefined);
    this.queueReading = { at: now, counts };
    return counts;
  }

  hopAnswered(adapter: string, meta: Record<string, unknown> | undefined): void {
    this.models.answered(adapter, meta);
  }

  /**
   * Counts every answer by the route the router matched (`request.routeOptions.url`, a template
   * such as `/v1/jobs/:id`), never the raw URL. Before Nest registers its routes.
   */
  installHttpHook(fastify: FastifyInstance): void {
    // Callback style: no promise per request.
    fastify.addHook('onResponse', (request, reply, done) => {
      this.httpAnswered(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
      done();
    });
  }
}
