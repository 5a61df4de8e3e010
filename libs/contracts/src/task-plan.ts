import { z } from 'zod';

/** Which planner picks a job's route: `graph` (the cost search, default) or `llm` (a chat model plans). */
export const PlannerKindSchema = z.enum(['graph', 'llm']);
export type PlannerKind = z.infer<typeof PlannerKindSchema>;

/** Syntax of a task id in a plan; a reference `input:N` can never be one. */
export const PLAN_TASK_ID = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** One task of an LLM planner's plan: an adapter's task over the request's inputs or earlier tasks' outputs. */
export const PlanTaskSchema = z
  .object({
    /** Unique within the plan, e.g. `t1`. */
    id: z
      .string()
      .regex(PLAN_TASK_ID, 'a task id is a letter, then letters, digits, "_" or "-" (32 at most)'),
    /** The adapter's id, as the registry lists it. */
    adapter: z.string().min(1).max(128),
    /** One of the adapter's tasks, e.g. `describe`. */
    task: z.string().min(1).max(64),
    /** What the task takes, in order: `input:N` (the request's N-th input, from 0) or an earlier task's id. */
    inputs: z.array(z.string().min(1).max(40)).min(1).max(8),
    /** Options for the adapter, checked by its schema. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'PlanTask' });
export type PlanTask = z.infer<typeof PlanTaskSchema>;

/** What the planner model answers: the tasks, each after the tasks it depends on. */
export const TaskPlanSchema = z
  .object({ tasks: z.array(PlanTaskSchema).min(1).max(16) })
  .meta({ id: 'TaskPlan' });
export type TaskPlan = z.infer<typeof TaskPlanSchema>;

/** How the LLM planner handled a job (`planner: "llm"`), shown on the job. */
export const PlannerReportSchema = z
  .object({
    kind: z.literal('llm'),
    /** The chat adapter that planned (PLANNER_MODEL). */
    model: z.string(),
    /** `planned`: the plan ran; `fallback`: it was refused and the graph planner's route ran instead. */
    outcome: z.enum(['planned', 'fallback']),
    /** The plan that ran (absent on a fallback). */
    plan: TaskPlanSchema.optional(),
    /** Answers asked of the model for a plan: 1, or 2 after a repair round. */
    rounds: z.number().int().min(0),
    /** Why each refused answer was refused, in order. */
    problems: z.array(z.string()),
    /** The jobs that ran on the planner's behalf: its own calls to the model, and one per task. */
    jobs: z.object({
      plan: z.array(z.string()),
      /** Task id → job id. */
      tasks: z.record(z.string(), z.string()).optional(),
      /** The model's call that wrote the final answer (text outputs). */
      answer: z.string().optional(),
    }),
  })
  .meta({ id: 'PlannerReport' });
export type PlannerReport = z.infer<typeof PlannerReportSchema>;
