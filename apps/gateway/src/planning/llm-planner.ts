import { isTerminalStatus, type InferRequest, type PlannerReport } from '@omnigate/contracts';
import type { Adapter } from '@omnigate/adapters';
import type { JobCaller } from '../inference/job-caller';
import type { JobRecord } from '../jobs/job-record';
import { checkPlan, readPlan, type PlanContext, type PlanCheck } from './plan-check';
import {
  ANSWER_SYSTEM_PROMPT,
  answerPrompt,
  capabilityCatalog,
  PLANNING_SYSTEM_PROMPT,
  planningPrompt,
  repairPrompt,
  type PlanningQuestion,
  type TaskResult,
} from './plan-prompt';

/** The job machinery as the planner uses it: a request run to its end (or `timeoutMs`), a cancel. */
export interface PlannerJobs {
  run(request: InferRequest, timeoutMs: number, caller?: JobCaller): Promise<JobRecord>;
  cancel(id: string): Promise<JobRecord>;
}

/** The model's previous answer, at most this long, when it is shown its mistakes. */
const MAX_ECHOED_ANSWER_CHARS = 8_000;

/** Stage 1 and 2's outcome: a plan that passed the checks, or the reasons there is none. */
export type PlanningOutcome =
  | { ok: true; check: Extract<PlanCheck, { ok: true }>; report: PlannerReport }
  | { ok: false; report: PlannerReport; warning: string };

/**
 * HuggingGPT's task planning (stage 1, with model selection: the plan names adapters) and
 * response generation (stage 4), asked of the chat adapter PLANNER_MODEL names. Each call to the
 * model is a job of its own (retries, breaker, metrics, tracing as for any other), pinned to that
 * adapter and planned by the graph.
 */
export class LlmPlanner {
  constructor(
    /** The chat adapter's id. */
    readonly model: string,
    /** The registry: the catalog the model reads and the graph its plan is checked against. */
    private readonly adapters: { has(id: string): boolean; get(id: string): Adapter; list(): Adapter[] },
    /** How long one call of the model may take. */
    private readonly callTimeoutMs: number,
  ) {}

  /**
   * Asks for a plan and checks it; a refused plan is sent back once with what was wrong (the
   * repair round). Never throws for what the model does: a failed call, an answer that is not
   * JSON, a plan that names nothing real end in `ok: false` with a warning for the job.
   */
  async plan(question: PlanningQuestion, jobs: PlannerJobs, caller?: JobCaller): Promise<PlanningOutcome> {
    const report: PlannerReport = {
      kind: 'llm',
      model: this.model,
      outcome: 'fallback',
      rounds: 0,
      problems: [],
      jobs: { plan: [] },
    };
    const context: PlanContext = {
      adapters: this.adapters,
      inputs: question.inputs.map((input) => input.modality),
      output: question.output,
      ...(question.task ? { task: question.task } : {}),
      ...(question.adapter ? { adapter: question.adapter } : {}),
    };
    const prompt = planningPrompt(question, capabilityCatalog(this.adapters.list()));
    let previous: string | undefined;
    for (let round = 1; round <= 2; round++) {
      const options: Record<string, unknown> = {
        system: PLANNING_SYSTEM_PROMPT,
        temperature: 0,
        response_format: { type: 'json_object' },
        ...(previous !== undefined
          ? {
              messages: [
                { role: 'user', content: [{ type: 'input_ref', index: 0 }] },
                { role: 'assistant', content: previous.slice(0, MAX_ECHOED_ANSWER_CHARS) },
                { role: 'user', content: repairPrompt(report.problems) },
              ],
            }
          : {}),
      };
      const call = await this.ask(prompt, options, jobs, caller);
      if (call.jobId) report.jobs.plan.push(call.jobId);
      if (call.text === undefined) {
        // The model could not be asked: a repair round would not help.
        report.problems.push(call.problem);
        break;
      }
      report.rounds = round;
      const read = readPlan(call.text);
      const check =
        'plan' in read ? checkPlan(read.plan, context) : { ok: false as const, problems: read.problems };
      if (check.ok) {
        return { ok: true, check, report: { ...report, outcome: 'planned', plan: check.plan } };
      }
      report.problems = [...report.problems, ...check.problems.map((p) => `round ${round}: ${p}`)];
      previous = call.text;
    }
    return {
      ok: false,
      report,
      warning: `the LLM planner's plan was refused (${report.problems.join('; ')}); the graph planner's route ran instead`,
    };
  }

  /** Stage 4: the model writes the text answer from the tasks' results. Throws what the call's job failed with. */
  async answer(
    question: PlanningQuestion,
    results: readonly TaskResult[],
    jobs: PlannerJobs,
    caller?: JobCaller,
    mediaType?: string,
  ): Promise<JobRecord> {
    const record = await jobs.run(
      this.request(answerPrompt(question, results), { system: ANSWER_SYSTEM_PROMPT }, mediaType),
      this.callTimeoutMs,
      caller,
    );
    return record;
  }

  /** One call of the model: its answer's text, or why there is none. */
  private async ask(
    prompt: string,
    options: Record<string, unknown>,
    jobs: PlannerJobs,
    caller?: JobCaller,
  ): Promise<{ text: string; jobId: string } | { text?: undefined; jobId?: string; problem: string }> {
    let record: JobRecord;
    try {
      record = await jobs.run(this.request(prompt, options), this.callTimeoutMs, caller);
    } catch (err) {
      return { problem: `the planner model could not be asked: ${(err as Error).message}` };
    }
    if (!isTerminalStatus(record.status)) {
      await jobs.cancel(record.id).catch(() => {});
      return {
        jobId: record.id,
        problem: `the planner model did not answer within ${this.callTimeoutMs} ms`,
      };
    }
    const text = record.outputs.find((o) => o.text !== undefined)?.text;
    if (record.status !== 'completed' || text === undefined) {
      return {
        jobId: record.id,
        problem: `the planner model's call failed: ${record.error?.message ?? record.status}`,
      };
    }
    return { text, jobId: record.id };
  }

  /** A call of the model as a job: the prompt as the one text input, pinned to the chat adapter. */
  private request(prompt: string, options: Record<string, unknown>, mediaType?: string): InferRequest {
    return {
      inputs: [{ text: prompt, modality: 'text', mediaType: 'text/plain' }],
      output: { modality: 'text', ...(mediaType ? { mediaType } : {}) },
      adapter: this.model,
      task: 'chat',
      options,
      mode: 'sync',
      planner: 'graph',
    };
  }
}
