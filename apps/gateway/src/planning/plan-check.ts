import type { Adapter } from '@omnigate/adapters';
import { TaskPlanSchema, type Capability, type PlanTask, type TaskPlan } from '@omnigate/contracts';

/**
 * Stage 2 of the LLM planner: the model's answer read as a plan and checked against the graph
 * (the adapters' capabilities) before anything runs. Every refusal is a sentence the model can
 * act on in the repair round.
 */

/** A planner answer longer than this is refused unread (a plan is a few hundred bytes). */
export const MAX_PLAN_ANSWER_CHARS = 32 * 1024;
/** At most this many problems are reported back: the first ones are the ones to fix. */
const MAX_PROBLEMS = 8;

/** Where a task's input comes from: the request's inputs, or an earlier task's output. */
export type TaskSource = { kind: 'input'; index: number } | { kind: 'task'; id: string };

/** A task that passed the checks: its adapter and the capability it runs. */
export interface CheckedTask {
  task: PlanTask;
  adapter: Adapter;
  capability: Capability;
  sources: TaskSource[];
}

export type PlanCheck =
  | {
      ok: true;
      plan: TaskPlan;
      /** In an order that runs every task after its dependencies. */
      tasks: CheckedTask[];
      /** The task whose output is the job's (for a non-text output); text outputs are written in stage 4. */
      final?: string;
    }
  | { ok: false; problems: string[] };

/** What a plan is checked against. */
export interface PlanContext {
  adapters: { has(id: string): boolean; get(id: string): Adapter };
  /** The request's inputs' detected modalities, in order. */
  inputs: readonly string[];
  output: string;
  task?: string;
  adapter?: string;
}

const INPUT_REF = /^input:(\d{1,2})$/;

/** The answer as a plan: JSON (a code fence or prose around it is tolerated), in the plan's schema. */
export function readPlan(answer: string): { plan: TaskPlan } | { problems: string[] } {
  if (answer.length > MAX_PLAN_ANSWER_CHARS) {
    return {
      problems: [
        `the answer is ${answer.length} characters long; a plan is at most ${MAX_PLAN_ANSWER_CHARS}`,
      ],
    };
  }
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start === -1 || end < start) return { problems: ['the answer is not JSON (no object in it)'] };
  let json: unknown;
  try {
    json = JSON.parse(answer.slice(start, end + 1));
  } catch (err) {
    return { problems: [`the answer is not valid JSON: ${(err as Error).message.slice(0, 200)}`] };
  }
  const parsed = TaskPlanSchema.safeParse(json);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues
        .slice(0, MAX_PROBLEMS)
        .map((i) => `${i.path.length ? i.path.join('.') : 'the plan'}: ${i.message}`),
    };
  }
  return { plan: parsed.data };
}

/**
 * Checks a plan against the graph: ids unique, every adapter and task real, every input a request
 * input or another task, no cycle, every task's inputs of the modalities its capability takes,
 * options the adapter accepts, the caller's task and adapter present, and (for a non-text output)
 * a task that produces the output.
 */
export function checkPlan(plan: TaskPlan, context: PlanContext): PlanCheck {
  const problems: string[] = [];
  const byId = new Map<string, PlanTask>();
  for (const task of plan.tasks) {
    if (byId.has(task.id)) problems.push(`task id ${task.id} is used twice`);
    byId.set(task.id, task);
  }
  const sourcesOf = new Map<string, TaskSource[]>();
  for (const task of plan.tasks) {
    if (!context.adapters.has(task.adapter)) {
      problems.push(`task ${task.id}: there is no adapter "${task.adapter}" (use one from the catalog)`);
    } else {
      const tasks = [
        ...new Set(context.adapters.get(task.adapter).descriptor.capabilities.map((c) => c.task)),
      ];
      if (!tasks.includes(task.task)) {
        problems.push(
          `task ${task.id}: ${task.adapter} has no task "${task.task}" (it has ${tasks.join(', ')})`,
        );
      }
    }
    const sources: TaskSource[] = [];
    for (const ref of task.inputs) {
      const input = INPUT_REF.exec(ref);
      if (input) {
        const index = Number(input[1]);
        if (index < context.inputs.length) sources.push({ kind: 'input', index });
        else
          problems.push(
            `task ${task.id}: ${ref} does not exist (the request has ${context.inputs.length} inputs)`,
          );
      } else if (byId.has(ref)) {
        sources.push({ kind: 'task', id: ref });
      } else {
        problems.push(`task ${task.id}: input "${ref}" is neither input:N nor a task id`);
      }
    }
    sourcesOf.set(task.id, sources);
  }
  if (problems.length > 0) return refuse(problems);

  const order = topologicalOrder(plan.tasks, sourcesOf);
  if (!order.ok) return refuse([`tasks ${order.cycle.join(', ')} depend on each other (a cycle)`]);

  const produced = new Map<string, string>();
  const tasks: CheckedTask[] = [];
  for (const task of order.tasks) {
    const adapter = context.adapters.get(task.adapter);
    const sources = sourcesOf.get(task.id)!;
    const modalities = sources.map((s) =>
      s.kind === 'input' ? context.inputs[s.index] : produced.get(s.id)!,
    );
    const capability = adapter.descriptor.capabilities.find(
      (c) => c.task === task.task && sameSet(c.inputs, modalities),
    );
    if (!capability) {
      const takes = adapter.descriptor.capabilities
        .filter((c) => c.task === task.task)
        .map((c) => c.inputs.join('+'))
        .join(' or ');
      const gets = sources
        .map((s, i) => `${modalities[i]} (from ${s.kind === 'input' ? `input:${s.index}` : s.id})`)
        .join(' + ');
      problems.push(`task ${task.id}: ${task.adapter} ${task.task} takes ${takes}, but gets ${gets}`);
      continue;
    }
    if (adapter.options) {
      const parsed = adapter.options.safeParse(task.options ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        problems.push(`task ${task.id}: options.${issue?.path.join('.')}: ${issue?.message}`);
      }
    }
    produced.set(task.id, capability.output);
    tasks.push({ task, adapter, capability, sources });
  }
  if (context.task && !plan.tasks.some((t) => t.task === context.task)) {
    problems.push(`the caller asked for the task "${context.task}": the plan must contain it`);
  }
  if (context.adapter && !plan.tasks.some((t) => t.adapter === context.adapter)) {
    problems.push(`the caller asked for the adapter "${context.adapter}": the plan must use it`);
  }
  let final: string | undefined;
  if (context.output !== 'text') {
    final = tasks.findLast((t) => t.capability.output === context.output)?.task.id;
    if (!final) problems.push(`no task produces ${context.output}, the requested output`);
  }
  if (problems.length > 0) return refuse(problems);
  return { ok: true, plan, tasks, ...(final ? { final } : {}) };
}

function refuse(problems: string[]): PlanCheck {
  return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** Kahn's algorithm: the tasks in dependency order (stable: plan order among ready ones), or a cycle. */
function topologicalOrder(
  tasks: readonly PlanTask[],
  sourcesOf: ReadonlyMap<string, TaskSource[]>,
): { ok: true; tasks: PlanTask[] } | { ok: false; cycle: string[] } {
  const waiting = new Map(
    tasks.map((t) => [t.id, new Set(sourcesOf.get(t.id)!.flatMap((s) => (s.kind === 'task' ? [s.id] : [])))]),
  );
  const ordered: PlanTask[] = [];
  let progress = true;
  // Plans are at most 16 tasks: rescanning is cheaper to read than a queue and never large.
  while (progress) {
    progress = false;
    for (const task of tasks) {
      const deps = waiting.get(task.id);
      if (!deps || [...deps].some((d) => waiting.has(d))) continue;
      waiting.delete(task.id);
      ordered.push(task);
      progress = true;
    }
  }
  return waiting.size === 0 ? { ok: true, tasks: ordered } : { ok: false, cycle: [...waiting.keys()] };
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((m) => sb.has(m));
};
