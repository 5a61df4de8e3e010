import type { AdapterInput } from '@omnigate/adapters';
import type { Detection, InferRequest, InputPart, PlannerReport } from '@omnigate/contracts';
import { isTerminalStatus } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';
import type { JobCaller } from '../inference/job-caller';
import type { JobEndings } from '../jobs/job-endings';
import type { JobStore } from '../jobs/job-ports';
import type { JobRecord } from '../jobs/job-record';
import type { JobTag } from '../logging/request-log';
import type { TraceCarrier } from '../tracing/trace-context';
import type { LlmPlanner, PlannerJobs } from './llm-planner';
import type { CheckedTask, PlanCheck } from './plan-check';
import type { PlanningQuestion } from './plan-prompt';
import { runPlan } from './plan-runner';

/** How long one task's job may take before the planned job gives up on it (the longest sync wait). */
const TASK_TIMEOUT_MS = 600_000;

/** What a planned job starts from: the request, its stored inputs, and the plan that passed the checks. */
export interface PlannedStart {
  request: InferRequest;
  inputs: AdapterInput[];
  detected: Detection[];
  check: Extract<PlanCheck, { ok: true }>;
  report: PlannerReport;
  question: PlanningQuestion;
  jobs: PlannerJobs;
  caller?: JobCaller;
  trace?: TraceCarrier;
}

/** Leases of jobs run in this process without hops (HopRunner.holdLease), when the store keeps them. */
export interface PlannedLeases {
  leaseMs: number | undefined;
  holdLease(jobId: string): () => void;
}

/**
 * The job a caller sees when the LLM planner planned it: its record says `planner` (the plan,
 * and the jobs that ran on its behalf) and its route is the executed tasks' steps, then the step
 * that wrote the answer. This process runs the plan (stage 3) and asks for the answer (stage 4)
 * while it keeps the job's lease, so the job is failed, not left `active`, should it die; the
 * tasks are ordinary jobs on the queues.
 */
export class PlannedJobs {
  constructor(
    private readonly planner: LlmPlanner,
    private readonly store: JobStore,
    private readonly endings: JobEndings,
    private readonly leases?: PlannedLeases,
  ) {}

  /** Saves the job's record and starts its plan: the record as saved, and the one at its end. */
  async start(start: PlannedStart, id: string): Promise<{ record: JobRecord; ended: Promise<JobRecord> }> {
    const { request, report } = start;
    const record: JobRecord = {
      id,
      status: 'active',
      outputs: [],
      route: [],
      detected: start.detected,
      warnings: [],
      timings: {},
      createdAt: new Date().toISOString(),
      outputSpec: request.output,
      plan: [],
      priority: request.priority ?? 5,
      inputs: start.inputs,
      alternatives: [],
      planner: report,
      ...(request.webhook ? { webhook: request.webhook } : {}),
      ...(start.trace ? { trace: start.trace } : {}),
    };
    await this.store.create(record, this.leases?.leaseMs);
    const release = this.leases?.holdLease(id) ?? (() => {});
    const ended = this.execute(record, start).finally(release);
    return { record, ended };
  }

  /** Runs the plan and the answer; the record at the job's end, saved and announced. Never rejects. */
  private async execute(record: JobRecord, start: PlannedStart): Promise<JobRecord> {
    const { check, jobs, question } = start;
    const caller = start.caller?.span ? { span: start.caller.span } : {};
    const taskJobs: Record<string, string> = {};
    // Tags of the tasks' jobs under way: each learns its job's id once the job is created.
    const running = new Set<JobTag>();
    let cancelled = false;
    const unsubscribe = this.store.subscribe(record.id, (event) => {
      if (event.status !== 'cancelled') return;
      cancelled = true;
      for (const tag of running) if (tag.jobId) void jobs.cancel(tag.jobId).catch(() => {});
    });
    const report = (): PlannerReport => ({
      ...start.report,
      jobs: { ...start.report.jobs, tasks: { ...taskJobs } },
    });
    let end: JobRecord;
    try {
      const inputs = start.inputs.map(storedInput);
      const results = await runPlan(
        check.tasks,
        inputs,
        async (task, request) => {
          if (cancelled) throw new GatewayError('conflict', `job ${record.id} was cancelled`);
          const tag: JobTag = {};
          running.add(tag);
          const done = await jobs
            .run(request, TASK_TIMEOUT_MS, { ...caller, tag })
            .finally(() => running.delete(tag));
          taskJobs[task.task.id] = done.id;
          return completed(task, done, jobs);
        },
        record.priority,
      );
      const ordered = check.tasks.map((t) => ({ checked: t, record: results.get(t.task.id)! }));
      const warnings = ordered.flatMap(({ checked, record: r }) =>
        r.warnings.map((w) => `task ${checked.task.id}: ${w}`),
      );
      const route = ordered.flatMap(({ record: r }) => r.route);
      let outputs = check.final ? results.get(check.final)!.outputs : [];
      const answered: Partial<PlannerReport['jobs']> = {};
      if (!check.final) {
        const results = ordered.map(({ checked, record: r }) => ({
          id: checked.task.id,
          adapter: checked.adapter.descriptor.id,
          task: checked.task.task,
          outputs: r.outputs,
        }));
        if (cancelled) throw new GatewayError('conflict', `job ${record.id} was cancelled`);
        const answer = await this.planner.answer(
          question,
          results,
          jobs,
          caller,
          record.outputSpec.mediaType,
        );
        answered.answer = answer.id;
        if (answer.status !== 'completed') throw callFailed('the planner model writing the answer', answer);
        outputs = answer.outputs;
        route.push(...answer.route);
        warnings.push(...answer.warnings.map((w) => `answer: ${w}`));
      }
      const finishedAt = new Date();
      end = {
        ...record,
        status: 'completed',
        outputs,
        route,
        warnings,
        planner: { ...report(), jobs: { ...report().jobs, ...answered } },
        timings: { totalMs: finishedAt.getTime() - Date.parse(record.createdAt) },
        finishedAt: finishedAt.toISOString(),
      };
    } catch (err) {
      const error = toGatewayError(err);
      const finishedAt = new Date();
      end = {
        ...record,
        status: 'failed',
        planner: report(),
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
        timings: { totalMs: finishedAt.getTime() - Date.parse(record.createdAt) },
        finishedAt: finishedAt.toISOString(),
      };
    } finally {
      unsubscribe();
    }
    // A cancel saved its own end; the plan's must not overwrite it.
    const current = await this.store.get(record.id).catch(() => undefined);
    if (cancelled || (current && isTerminalStatus(current.status))) return current ?? end;
    try {
      await this.store.save(end, { id: end.id, status: end.status, record: end });
    } catch {
      // Redis is away: the lease runs out and a sweep fails the job, as for any job of a lost process.
      return end;
    }
    await this.endings.ended(end);
    return end;
  }
}

/** A request input as a task's input: the stored blob, its detected modality declared. */
function storedInput(input: AdapterInput): InputPart {
  return {
    blobId: input.blobId,
    modality: input.modality,
    mediaType: input.mediaType,
    ...(input.filename ? { filename: input.filename } : {}),
  };
}

/** The task's record if it completed; else the error its job ended with (a job still running is cancelled). */
async function completed(task: CheckedTask, record: JobRecord, jobs: PlannerJobs): Promise<JobRecord> {
  if (record.status === 'completed') return record;
  if (!isTerminalStatus(record.status)) {
    await jobs.cancel(record.id).catch(() => {});
    throw new GatewayError('timeout', `task ${task.task.id} did not end within ${TASK_TIMEOUT_MS} ms`, {
      task: task.task.id,
      jobId: record.id,
    });
  }
  throw callFailed(`task ${task.task.id} (${task.task.adapter} ${task.task.task})`, record);
}

/** The error of a job the planned job depended on, naming it. */
function callFailed(what: string, record: JobRecord): GatewayError {
  const error = record.error ?? { code: 'adapter_failed' as const, message: record.status };
  return new GatewayError(error.code, `${what} failed: ${error.message}`, {
    ...error.details,
    jobId: record.id,
  });
}
