import type { AdapterInput } from '@omnigate/adapters';
import { traceIdOf, type TraceCarrier } from '../tracing/trace-context';
import type { InferRequest, JobResult, JobStatus, OutputSpec, RouteStep } from '@omnigate/contracts';
import { extended } from '../common/extended';

/** One planned hop: the adapter, its task, what it must produce, and the options meant for it. */
export interface HopPlan {
  adapter: string;
  task: string;
  output: { modality: string; mediaType?: string };
  options: Record<string, unknown>;
}

/** One way to run a job: the hops to queue and the route they show the caller. */
export interface PlannedRoute {
  plan: HopPlan[];
  route: RouteStep[];
}

/** A job as stored: the public result plus what the runtime needs to run and present it. */
export interface JobRecord extends JobResult {
  /** What the caller asked for (`inline` decides whether binary outputs carry base64 data). */
  outputSpec: OutputSpec;
  /** Every hop of the route; a worker that finishes hop N queues hop N+1 from it. */
  plan: HopPlan[];
  priority: number;
  /** The caller reads the text output as it is produced (the last hop gets `onTextDelta`). */
  streaming?: boolean;
  /** The job's own inputs: a fallback route starts again from them. */
  inputs: AdapterInput[];
  /** Routes to fall back to, best first, when a hop of the current one fails for good but retryably. */
  alternatives: PlannedRoute[];
  /** Called once when the job ends; its `secret` never leaves the record (see publicResult). */
  webhook?: NonNullable<InferRequest['webhook']>;
  /**
   * The W3C trace context of the span that created the job (its request's, its batch line's),
   * when tracing is on: its webhook delivery's span is its child; shown as `traceId`.
   */
  trace?: TraceCarrier;
}

/** The public view of a record: what `JobResult` shows, without the runtime's fields. */
export function publicResult(record: JobRecord): JobResult {
  const {
    outputSpec: _o,
    plan: _p,
    priority: _r,
    streaming: _s,
    inputs: _i,
    alternatives: _a,
    webhook: _w,
    trace,
    ...result
  } = record;
  const traceId = traceIdOf(trace);
  return traceId ? extended(result, { traceId }) : result;
}

/** One hop of a job's route, as queued: references and small parameters only, never payloads. */
export interface HopJob {
  jobId: string;
  /** Which of the job's routes this hop belongs to: 0 for the first, n after n fallbacks. */
  generation: number;
  hop: number;
  adapter: string;
  task: string;
  inputs: AdapterInput[];
  output: { modality: string; mediaType?: string };
  options: Record<string, unknown>;
  /**
   * What the earlier hops of this route changed, not yet in the stored record: an intermediate
   * hop saves nothing, the record is written once, when the job ends (or falls back).
   */
  carried?: Pick<JobRecord, 'route' | 'warnings' | 'timings'>;
  /** Small text inputs carried in the hop itself, by blob id: never stored, read from here. */
  texts?: Record<string, string>;
  /**
   * The hop runs in the direct lane (a sync request's process, without the queue): its next hop
   * and a fallback stay in this process when a slot is free.
   */
  direct?: boolean;
  /**
   * The hop is in the batch lane (a batch line's job): it, its next hops, retries and fallbacks
   * take the adapters' batch queues (jobs/work-lanes.ts). Absent: the interactive lane.
   */
  lane?: 'batch';
  /**
   * The W3C trace context (`traceparent`...) of the request that created the job, when tracing
   * is on: every hop's span, in whichever process runs it, is its child.
   */
  trace?: TraceCarrier;
}

/** A change of a job's state, announced to every process waiting on it. */
export interface JobEvent {
  id: string;
  status: JobStatus;
  progress?: number;
  /** The whole record on terminal events, so waiters need no extra read. */
  record?: JobRecord;
  /** A piece of the text output of a streaming job, in order (one publishing connection). */
  delta?: string;
}
