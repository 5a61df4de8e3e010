import { z } from 'zod';
import { InputPartSchema } from './input-part';
import { OutputSpecSchema } from './output-spec';
import { PlannerKindSchema } from './task-plan';

export const WebhookSchema = z.strictObject({ url: z.url(), secret: z.string().min(1).optional() });

/** Body of `POST /v1/infer`. Only `inputs` and `output` are required. */
export const InferRequestSchema = z
  .strictObject({
    inputs: z.array(InputPartSchema).min(1).max(16),
    output: OutputSpecSchema,
    /** What to do: `convert`, `render`, `describe`, ...; none lets the router choose. */
    task: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/)
      .optional(),
    /** Pin the adapter by id. */
    adapter: z.string().min(1).max(128).optional(),
    domain: z.string().min(1).max(64).optional(),
    /** Adapter options, validated by the chosen adapter. */
    options: z.record(z.string(), z.unknown()).optional(),
    mode: z.enum(['sync', 'async']).default('sync'),
    /** How long a sync request waits before answering 202. */
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    /** 1 is most urgent, 10 least; interactive default 5. */
    priority: z.number().int().min(1).max(10).optional(),
    webhook: WebhookSchema.optional(),
    /**
     * `llm`: a chat model (PLANNER_MODEL) plans the tasks, checked against the graph, and writes a
     * text answer from their results; `graph`: the cost search. Default: PLANNER (`graph`).
     */
    planner: PlannerKindSchema.optional(),
  })
  .meta({ id: 'InferRequest' });

export type InferRequest = z.infer<typeof InferRequestSchema>;

/** Body of `POST /v1/detect`: the inputs of `/v1/infer`, detected and probed without running anything. */
export const DetectRequestSchema = z
  .strictObject({ inputs: z.array(InputPartSchema).min(1).max(16) })
  .meta({ id: 'DetectRequest' });

export type DetectRequest = z.infer<typeof DetectRequestSchema>;
