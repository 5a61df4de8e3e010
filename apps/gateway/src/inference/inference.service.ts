import { randomUUID } from 'node:crypto';
import type { AdapterInput } from '@omnigate/adapters';
import {
  isTerminalStatus,
  type InferRequest,
  type JobList,
  type ListJobsQuery,
  type PlannerReport,
} from '@omnigate/contracts';
import type { AppConfig } from '../config/app-config';
import type { BlobStore } from '../blobs/blob-store';
import type { InputInspector } from '../detection/input-inspector';
import { GatewayError } from '../errors/gateway-error';
import type { JobBackend } from '../queue/job-backend';
import { carrierOf, endSpan, inSpan, inSpanSync, startSpan } from '../tracing/trace-context';
import type { JobCaller } from './job-caller';
import type { Span } from '@opentelemetry/api';
import type { HopJob, JobRecord } from '../jobs/job-record';
import type { HopRunner } from '../jobs/hop-runner';
import { JOB_CANCELLED } from '../jobs/bus-topics';
import type { JobEndings } from '../jobs/job-endings';
import { listJobs } from '../jobs/job-list';
import { presentJob, type PresentedJob } from '../jobs/job-presenter';
import { laneField, laneOf, type WorkLane } from '../jobs/work-lanes';
import { tagJob, type JobTag } from '../logging/request-log';
import { watchJob } from '../jobs/job-waiter';
import { REDIS_RETRY_AFTER_MS, RedisUnavailableError } from '../queue/redis-connections';
import type { LlmPlanner } from '../planning/llm-planner';
import type { PlannedJobs } from '../planning/planned-job';
import { planningQuestion } from '../planning/plan-prompt';
import type { ModalityRegistry } from '../routing/modality-registry';
import { planRoute } from '../routing/route-plan';
import type { RoutePlanner } from '../routing/route-planner';

const DEFAULT_PRIORITY = 5;
/** Inline text inputs up to this size also travel in the first hop's queue entry. */
const MAX_CARRIED_INPUT_TEXT_BYTES = 8 * 1024;

/** Told of every job this process creates (metrics), once it is queued. Must not throw. */
export interface JobObserver {
  /** `inputs`: the detected modalities, in order; `task`: the request's, if it named one. */
  jobCreated(
    lane: WorkLane,
    inputs: readonly { modality: string }[],
    output: string,
    task: string | undefined,
  ): void;
}

/** The request's inputs, stored (or on their way: `written`) and detected. */
type Inspected = Awaited<ReturnType<InputInspector['inspect']>>;

/** What the LLM planner leaves to a graph job when its plan was refused: a warning and its report. */
interface PlannerFallback {
  warnings: string[];
  planner: PlannerReport;
}

/** The LLM planner (planning/): stages 1–2 here, the planned job's lifecycle in `jobs`. */
export interface LlmPlanning {
  planner: LlmPlanner;
  jobs: PlannedJobs;
}

interface PreparedJob {
  record: JobRecord;
  /** The request's task, if it named one. */
  task?: string;
  hop: HopJob;
  priority: number;
  /** Writes of inputs still under way (inline texts the first hop carries). */
  written: Promise<void>[];
  /** The span the job's own spans (its enqueue) hang under, when tracing. */
  parent?: Span;
}

/** The core of `/v1/infer`: store inputs, detect them, plan the route, queue the job, wait. */
export class InferenceService {
  constructor(
    private readonly config: AppConfig,
    private readonly blobs: BlobStore,
    private readonly inspector: InputInspector,
    private readonly modalities: ModalityRegistry,
    private readonly planner: RoutePlanner,
    private readonly backend: JobBackend,
    private readonly endings: JobEndings,
    /** Runs a sync job's first hop in this process when it can (the direct lane); else it is queued. */
    private readonly here?: Pick<HopRunner, 'reserve' | 'startHere' | 'leaseMs' | 'cancel'>,
    /** Told of every job created here, if given. */
    private readonly observer?: JobObserver,
    /** The LLM planner, when PLANNER_MODEL names one: requests with `planner: "llm"` go to it. */
    private readonly llm?: LlmPlanning,
  ) {}

  /**
   * Validates, queues and returns the new job's record (status `queued`). Its hops take the
   * queues of `lane`: `batch` for a batch line's job (jobs/work-lanes.ts). `caller`: who the job
   * is for (job-caller.ts): told its id, its spans' parent.
   */
  async submit(
    request: InferRequest,
    lane: WorkLane = 'interactive',
    caller?: JobCaller,
  ): Promise<JobRecord> {
    const inspected = await this.inspect(request, caller);
    const planned = await this.planWithLlm(request, inspected, caller);
    if (planned && 'job' in planned) return planned.job.record;
    const job = await this.prepare(request, inspected, caller, false, planned?.fallback);
    await this.enqueue({ ...job, hop: { ...job.hop, ...laneField(lane) } });
    return job.record;
  }

  /** Queues the job and waits for its end, or for `timeoutMs`: the record as it then stands. */
  async run(
    request: InferRequest,
    timeoutMs = this.config.queue.syncTimeoutMs,
    caller?: JobCaller,
  ): Promise<JobRecord> {
    const inspected = await this.inspect(request, caller);
    const planned = await this.planWithLlm(request, inspected, caller);
    if (planned && 'job' in planned) return this.waitPlanned(planned.job, timeoutMs);
    return this.runPrepared(
      await this.prepare(request, inspected, caller, false, planned?.fallback),
      timeoutMs,
    );
  }

  /**
   * As `run`, but the text the last hop produces reaches `onDelta` piece by piece, in order, as
   * the worker produces it. Aborting `signal` (the client went away) cancels the job.
   */
  async runStreaming(
    request: InferRequest,
    options: {
      signal: AbortSignal;
      onDelta: (delta: string) => void;
      timeoutMs?: number;
      caller?: JobCaller;
    },
  ): Promise<JobRecord> {
    const inspected = await this.inspect(request, options.caller);
    const job = await this.prepare(request, inspected, options.caller, true);
    return this.runPrepared(job, options.timeoutMs ?? this.config.queue.syncTimeoutMs, options);
  }

  /** Cancels a job that has not ended: queued hops are dropped, a running one is aborted. */
  async cancel(id: string, tag?: JobTag): Promise<JobRecord> {
    const record = await this.get(id, tag);
    if (isTerminalStatus(record.status)) return record;
    const cancelled: JobRecord = { ...record, status: 'cancelled', finishedAt: new Date().toISOString() };
    await this.backend.store.save(cancelled, { id, status: 'cancelled', record: cancelled });
    await this.endings.ended(cancelled);
    await this.backend.bus.publish(JOB_CANCELLED, { jobId: id });
    return cancelled;
  }

  private async runPrepared(
    job: PreparedJob,
    timeoutMs: number,
    stream?: { signal: AbortSignal; onDelta: (delta: string) => void },
  ): Promise<JobRecord> {
    const id = job.record.id;
    // Listen before queueing: then no read is needed to catch a job that ends at once.
    const watch = watchJob(this.backend.store, id, timeoutMs, {
      notQueuedYet: true,
      onDelta: stream?.onDelta,
    });
    // A job that ends in this process (the direct lane) is heard of here, before Redis echoes it;
    // not a streamed one: its last pieces of text come through Redis, ahead of its end.
    const local = stream ? undefined : this.endings.whenEnded(id);
    const stopWaiting = () => {
      watch.cancel();
      local?.cancel();
    };
    try {
      await this.enqueue(job, { direct: true });
    } catch (err) {
      stopWaiting();
      throw err;
    }
    // The cancellation ends the wait too: its terminal event reaches the watch.
    const onAbort = () => void this.cancel(id).catch(() => {});
    stream?.signal.addEventListener('abort', onAbort, { once: true });
    if (stream?.signal.aborted) onAbort();
    try {
      return (await (local ? Promise.race([watch.result, local.result]) : watch.result)) ?? job.record;
    } catch (err) {
      // Redis went away while the request waited: the job was accepted, so the caller gets it
      // as it stood (202 and its links to poll) rather than a 503 that would have it sent again.
      if (err instanceof RedisUnavailableError) return job.record;
      throw err;
    } finally {
      stopWaiting();
      stream?.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Saves the record and queues the first hop, or with `direct` (a sync request whose caller
   * waits) runs it in this process when the direct lane has a slot: then the writes of the
   * record and of the inputs the hop carries go out beside the adapter's call instead of ahead
   * of it, and only their acknowledgement is waited for, so the job is visible by id before its
   * answer. A hop that ends first saves its record, which the late create leaves alone
   * (JobStore.create). Once queued, the job is counted (the observer).
   */
  private async enqueue(job: PreparedJob, options: { direct?: boolean } = {}): Promise<void> {
    // The span ends in this function's own await (inSpan's would add a promise and two closures).
    const span = job.parent && startSpan('enqueue', job.parent, { 'omnigate.job.id': job.record.id });
    try {
      await this.queue(job, options);
    } catch (err) {
      if (span) endSpan(span, err);
      throw err;
    }
    span?.end();
    this.observer?.jobCreated(laneOf(job.hop), job.hop.inputs, job.record.outputSpec.modality, job.task);
  }

  /** What `enqueue` does, the job not yet counted. */
  private async queue({ record, hop, priority, written }: PreparedJob, { direct = false }): Promise<void> {
    const here = direct && !record.webhook ? this.here : undefined;
    const slot = here?.reserve(hop.adapter);
    // Only an adapter with a rate limit waits for its slot: one round trip to the shared count.
    const release = slot instanceof Promise ? await slot : slot;
    if (here && release) {
      // With the job's lease: should this process die mid-call, another one fails the job.
      const saved = Promise.all([this.backend.store.create(record, here.leaseMs), ...written]);
      here.startHere(hop, record, release, saved);
      await saved.catch((cause: unknown) => {
        here.cancel(record.id);
        throw this.notQueued(record, cause);
      });
      return;
    }
    // A queued hop may run anywhere, reading its inputs from the store: they are there first.
    // The record may go with the hop (JobStore.create), in one round trip.
    const [stored, added] = await Promise.allSettled([
      Promise.all([this.backend.store.create(record), ...written]),
      Promise.all(written).then(() => this.backend.hops.add(hop, { priority })),
    ]);
    if (stored.status === 'rejected') throw this.notQueued(record, stored.reason);
    if (added.status === 'rejected') throw this.notQueued(record, added.reason);
  }

  /**
   * The 503 of a job that could not be queued. Half a job must not look alive: a record without
   * its hop is failed (a hop without its record is dropped by its worker). Redis may be away, or
   * may carry out the record and hop late: the failed record waits for it (the request does
   * not), and a late create does not overwrite it (JobStore.create), so a job answered 503 never
   * runs.
   */
  private notQueued(record: JobRecord, cause: unknown): GatewayError {
    const error = new GatewayError(
      'unavailable',
      `job ${record.id} could not be queued`,
      { jobId: record.id, retryAfterMs: REDIS_RETRY_AFTER_MS },
      { cause },
    );
    const failed: JobRecord = {
      ...record,
      status: 'failed',
      error: { code: error.code, message: error.message },
      finishedAt: new Date().toISOString(),
    };
    void this.backend.forWorkers.store
      .save(failed, { id: record.id, status: 'failed', record: failed })
      .catch(() => {});
    return error;
  }

  /** Stores and detects the request's inputs (the output modality checked first). */
  private async inspect(request: InferRequest, caller?: JobCaller): Promise<Inspected> {
    this.modalities.assertKnown(request.output.modality, 'output');
    const span = caller?.span && startSpan('detect', caller.span);
    try {
      // The texts the first hop carries need not be stored before it starts (see enqueue).
      const inspected = await this.inspector.inspect(request.inputs, {
        deferTextUpTo: MAX_CARRIED_INPUT_TEXT_BYTES,
      });
      if (span) {
        span.setAttribute(
          'omnigate.input.modalities',
          inspected.map((s) => s.detection.modality),
        );
        span.end();
      }
      return inspected;
    } catch (err) {
      if (span) endSpan(span, err);
      throw err;
    }
  }

  /**
   * The LLM planner's turn, for a request that asks for it (`planner: "llm"`; the native API
   * gives PLANNER's default): a job that runs its plan, or, when the plan was refused, what the
   * graph job that runs instead carries (a warning, the planner's report). 400 when no planner
   * model is configured.
   */
  private async planWithLlm(
    request: InferRequest,
    stored: Inspected,
    caller?: JobCaller,
  ): Promise<{ job: Awaited<ReturnType<PlannedJobs['start']>> } | { fallback: PlannerFallback } | undefined> {
    if (request.planner !== 'llm') return undefined;
    if (!this.llm) {
      throw new GatewayError(
        'invalid_request',
        'planner "llm" needs a planner model: set PLANNER_MODEL to a chat adapter or model',
        { planner: 'llm' },
      );
    }
    // The tasks read the inputs from the store, as any job's later hops do.
    await Promise.all(stored.flatMap((s) => (s.written ? [s.written] : [])));
    const detected = stored.map((s) => s.detection);
    const question = planningQuestion(request, detected);
    // The model's calls and the tasks are jobs of their own: their spans, not their log tags.
    const span = caller?.span ? { span: caller.span } : undefined;
    const outcome = await inSpan('plan', caller?.span, () => this.llm!.planner.plan(question, this, span));
    if (!outcome.ok) return { fallback: { warnings: [outcome.warning], planner: outcome.report } };
    const id = randomUUID();
    tagJob(caller?.tag, id);
    const trace = caller?.span && carrierOf(caller.span);
    const job = await this.llm.jobs.start(
      {
        request,
        inputs: this.adapterInputs(stored),
        detected,
        check: outcome.check,
        report: outcome.report,
        question,
        jobs: this,
        ...(span ? { caller: span } : {}),
        ...(trace ? { trace } : {}),
      },
      id,
    );
    this.observer?.jobCreated('interactive', detected, request.output.modality, request.task);
    return { job };
  }

  /** A planned job's record once it ends, or as it stands after `timeoutMs` (the caller gets 202). */
  private async waitPlanned(
    job: Awaited<ReturnType<PlannedJobs['start']>>,
    timeoutMs: number,
  ): Promise<JobRecord> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)),
    );
    try {
      const ended = await Promise.race([job.ended, late]);
      return ended ?? (await this.backend.store.get(job.record.id).catch(() => undefined)) ?? job.record;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The stored inputs as adapters see them. */
  private adapterInputs(stored: Inspected): AdapterInput[] {
    return stored.map(({ blob, detection }) => ({
      modality: detection.modality,
      mediaType: detection.mediaType,
      blobId: blob.id,
      bytes: blob.bytes,
      ...(blob.filename ? { filename: blob.filename } : {}),
      ...(detection.meta ? { meta: detection.meta } : {}),
    }));
  }

  /**
   * Everything up to the queue once the inputs are stored and detected: plan the route, check
   * options. `fallback`: the LLM planner's refused plan, shown on the job.
   */
  private async prepare(
    request: InferRequest,
    stored: Inspected,
    caller?: JobCaller,
    streaming = false,
    fallback?: PlannerFallback,
  ): Promise<PreparedJob> {
    const parent = caller?.span;
    const output = request.output;
    const detected = stored.map((s) => s.detection);
    const query = {
      inputs: detected.map((d) => d.modality),
      output: output.modality,
      outputMediaType: output.mediaType,
      task: request.task,
      adapter: request.adapter,
      domain: request.domain,
    };
    const { primary, alternatives } = inSpanSync('plan', parent, (span) => {
      const [best, ...others] = this.planner.candidates(query);
      const options = request.options ?? {};
      const planned = planRoute(best, options, output.mediaType);
      span?.setAttribute(
        'omnigate.route',
        planned.plan.map((hop) => hop.adapter),
      );
      // A fallback whose adapters reject the options is no fallback for this request.
      const fallbacks = others.flatMap((hops) => {
        try {
          return [planRoute(hops, options, output.mediaType)];
        } catch {
          return [];
        }
      });
      return { primary: planned, alternatives: fallbacks };
    });
    const priority = request.priority ?? DEFAULT_PRIORITY;
    const inputs = this.adapterInputs(stored);

    const id = randomUUID();
    tagJob(caller?.tag, id);
    // The job's spans, in whichever process, are children of its request's (or batch line's).
    const trace = parent && carrierOf(parent);
    const record: JobRecord = {
      id,
      status: 'queued',
      outputs: [],
      route: primary.route,
      detected,
      warnings: [...(fallback?.warnings ?? []), ...primary.warnings],
      ...(fallback ? { planner: fallback.planner } : {}),
      timings: {},
      createdAt: new Date().toISOString(),
      outputSpec: output,
      plan: primary.plan,
      priority,
      ...(streaming ? { streaming } : {}),
      inputs,
      alternatives: alternatives.map(({ plan, route }) => ({ plan, route })),
      ...(request.webhook ? { webhook: request.webhook } : {}),
      ...(trace ? { trace } : {}),
    };
    const texts = carriedTexts(request, stored);
    const job: HopJob = {
      jobId: id,
      generation: 0,
      hop: 0,
      inputs,
      ...primary.plan[0],
      ...(texts ? { texts } : {}),
      ...(trace ? { trace } : {}),
    };
    const written = stored.flatMap((s) => (s.written ? [s.written] : []));
    return {
      record,
      hop: job,
      priority,
      written,
      ...(request.task ? { task: request.task } : {}),
      ...(parent ? { parent } : {}),
    };
  }

  /** The job's record; `tag` (the request that reads it) is told its id. */
  async get(id: string, tag?: JobTag): Promise<JobRecord> {
    const record = await this.backend.store.get(id);
    if (!record) throw new GatewayError('not_found', `job ${id} not found (or expired)`, { jobId: id });
    tagJob(tag, id);
    return record;
  }

  /** A page of recent jobs (`GET /v1/jobs`). */
  async list(query: ListJobsQuery): Promise<JobList> {
    return listJobs(this.backend.store, query);
  }

  /** The public view of a record; binary outputs carry base64 `data` when the caller asked inline. */
  async present(record: JobRecord): Promise<PresentedJob> {
    return presentJob(record, this.blobs);
  }
}

/**
 * Small inline text inputs, by blob id, to ride in the first hop: its worker reads them from
 * there instead of from the job's blob tier (which still holds them, for retries of other
 * routes). The blob's content is the text's UTF-8, so the id matches it.
 */
function carriedTexts(
  request: InferRequest,
  stored: { blob: { id: string; bytes: number } }[],
): Record<string, string> | undefined {
  let texts: Record<string, string> | undefined;
  request.inputs.forEach((part, i) => {
    const blob = stored[i]?.blob;
    if (!blob || !('text' in part) || blob.bytes > MAX_CARRIED_INPUT_TEXT_BYTES) return;
    (texts ??= {})[blob.id] = part.text;
  });
  return texts;
}
