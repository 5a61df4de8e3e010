import type { Adapter } from '@omnigate/adapters';
import type { Detection, InferRequest } from '@omnigate/contracts';

/**
 * The planner model's prompts (HuggingGPT's task planning and response generation), as plain
 * text. Everything from the caller or from a task is cut to a bound, so a prompt never grows with
 * the size of an input.
 */

/** The caller's own words, per text input, at most this long in a prompt. */
const MAX_USER_TEXT_CHARS = 4_000;
/** A task's text result, at most this long in the answer prompt. */
const MAX_RESULT_TEXT_CHARS = 4_000;
/** An adapter's description in the catalog. */
const MAX_DESCRIPTION_CHARS = 160;

/** One input of the request as the planner sees it: what detection found, never its bytes. */
export interface PlannerInput {
  modality: string;
  mediaType: string;
  /** The text of an inline text input (cut to a bound), so that the model reads the request. */
  text?: string;
  /** A few facts from detection (size, duration, channels), compact. */
  meta?: Record<string, unknown>;
}

/** What stage 1 is asked to plan for. */
export interface PlanningQuestion {
  inputs: PlannerInput[];
  output: string;
  /** A task and an adapter the caller named: the plan must contain them. */
  task?: string;
  adapter?: string;
  /** The caller's adapter options, for the model to place on the tasks that take them. */
  options?: Record<string, unknown>;
}

/** What the planner is asked about a request: its detected inputs (and its own words), its output, what it pinned. */
export function planningQuestion(request: InferRequest, detected: Detection[]): PlanningQuestion {
  return {
    inputs: detected.map((d, i) => {
      const part = request.inputs[i];
      return {
        modality: d.modality,
        mediaType: d.mediaType,
        ...(d.meta ? { meta: d.meta } : {}),
        ...(part && 'text' in part && d.modality === 'text' ? { text: part.text } : {}),
      };
    }),
    output: request.output.modality,
    ...(request.task ? { task: request.task } : {}),
    ...(request.adapter ? { adapter: request.adapter } : {}),
    ...(request.options ? { options: request.options } : {}),
  };
}

export const PLANNING_SYSTEM_PROMPT = [
  'You are the task planner of omnigate, a gateway that runs tools (adapters) on media.',
  'Split the user request into tasks that the listed adapters can run, and answer with JSON only:',
  '{"tasks":[{"id":"t1","adapter":"<adapter id>","task":"<task>","inputs":["input:0"],"options":{}}]}',
  'Rules:',
  '- "adapter" and "task" must be one of the catalog lines "adapter: task(inputs -> output)".',
  '- "inputs" lists what the task takes, in order: "input:N" is the request\'s N-th input (from 0),',
  "  a task id is that earlier task's output. Their modalities must be exactly the task's inputs.",
  '- List a task after the tasks it depends on; no task may depend on itself or on a later one.',
  '- Use as few tasks as the request needs. "options" is optional.',
  '- When the requested output is text, your tasks gather the facts: the final answer is written',
  '  from their results afterwards. Otherwise the last task must produce the requested output.',
].join('\n');

/** The catalog of what the adapters can do, one line per adapter: `id: task(inputs -> output) ... — description`. */
export function capabilityCatalog(adapters: readonly Adapter[]): string {
  return adapters
    .map((adapter) => {
      const { id, description, capabilities } = adapter.descriptor;
      const tasks = capabilities.map((c) => `${c.task}(${c.inputs.join('+')} -> ${c.output})`).join(' ');
      const about = description ? ` — ${cut(description, MAX_DESCRIPTION_CHARS)}` : '';
      return `${id}: ${tasks}${about}`;
    })
    .join('\n');
}

/** Stage 1's user message: the request, its inputs as detected, the requested output, the catalog. */
export function planningPrompt(question: PlanningQuestion, catalog: string): string {
  const request = question.inputs
    .filter((input) => input.text !== undefined)
    .map((input) => cut(input.text!, MAX_USER_TEXT_CHARS))
    .join('\n');
  const inputs = question.inputs
    .map((input, i) => {
      const meta = input.meta ? ` ${compactMeta(input.meta)}` : '';
      return `input:${i} ${input.modality} (${input.mediaType})${meta}`;
    })
    .join('\n');
  const must = [
    question.task && `The plan must contain a task "${question.task}".`,
    question.adapter && `The plan must use the adapter "${question.adapter}".`,
    question.options &&
      Object.keys(question.options).length > 0 &&
      `The caller's options (give each to the task whose adapter takes it): ${cut(JSON.stringify(question.options), 1_000)}`,
  ].filter(Boolean);
  return [
    `User request:\n${request || '(no text; infer the intent from the inputs and the requested output)'}`,
    `Inputs (detected modalities):\n${inputs}`,
    `Requested output: ${question.output}`,
    ...must,
    `Adapters (capabilities):\n${catalog}`,
    'Answer with the JSON plan only.',
  ].join('\n\n');
}

/** The repair round's message: what was wrong with the last answer. */
export function repairPrompt(problems: readonly string[]): string {
  return [
    'Your plan was refused:',
    ...problems.map((p) => `- ${p}`),
    'Answer with a corrected JSON plan only, in the same format.',
  ].join('\n');
}

export const ANSWER_SYSTEM_PROMPT = [
  "You are omnigate's answer writer. Tools ran on the user's inputs; their results follow.",
  'Answer the user request from these results, directly and truthfully. Mention media results',
  '(images, audio, ...) by task id when they matter; do not invent results that are not listed.',
].join('\n');

/** One task's result, as stage 4 reads it. */
export interface TaskResult {
  id: string;
  adapter: string;
  task: string;
  outputs: { modality: string; mediaType: string; text?: string; bytes?: number; blobId?: string }[];
}

/** Stage 4's user message: the request, then each task's result (texts cut, media summarized). */
export function answerPrompt(question: PlanningQuestion, results: readonly TaskResult[]): string {
  const request = question.inputs
    .filter((input) => input.text !== undefined)
    .map((input) => cut(input.text!, MAX_USER_TEXT_CHARS))
    .join('\n');
  const lines = results.map((r) => {
    const outputs = r.outputs.map((o) =>
      o.text !== undefined
        ? cut(o.text, MAX_RESULT_TEXT_CHARS)
        : `[${o.modality} ${o.mediaType}${o.bytes !== undefined ? `, ${o.bytes} bytes` : ''}${o.blobId ? `, blob ${o.blobId}` : ''}]`,
    );
    return `${r.id} (${r.adapter} ${r.task}):\n${outputs.join('\n') || '(no output)'}`;
  });
  return [
    `User request:\n${request || '(no text)'}`,
    `Inputs: ${question.inputs.map((input, i) => `input:${i} ${input.modality}`).join(', ')}`,
    `Task results:\n${lines.join('\n\n')}`,
  ].join('\n\n');
}

/** Up to `max` characters (code units), marked when cut; linear in `max`, whatever the text's length. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [cut, ${text.length} characters in all]`;
}

/** Scalar detection facts only (width, durationS, channels ...), at most a few, as `k=v`. */
function compactMeta(meta: Record<string, unknown>): string {
  return Object.entries(meta)
    .filter(
      ([, v]) => typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 40),
    )
    .slice(0, 8)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
