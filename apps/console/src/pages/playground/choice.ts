import type { PlaygroundInput } from './input-panel';

/** What the user asks of a run: the output and how to get it (every field a string, '' = the router's pick). */
export interface OutputChoice {
  modality: string;
  mediaType: string;
  task: string;
  domain: string;
  adapter: string;
  /** The options as typed: a JSON object, or '' for none. */
  options: string;
  mode: 'sync' | 'async';
  /** The input modality to plan for while there are no inputs (a preset's `in`). */
  plannedInput: string;
}

export const EMPTY_CHOICE: OutputChoice = {
  modality: 'text',
  mediaType: '',
  task: '',
  domain: '',
  adapter: '',
  options: '',
  mode: 'sync',
  plannedInput: 'text',
};

/**
 * The choice a link presets: `#/playground?in=image&out=text&task=ocr` (also `mediaType`,
 * `adapter`, `domain`, `mode`, `options`), so that the capabilities matrix and shared links open
 * the playground ready to run.
 */
export function choiceFromParams(params: URLSearchParams, base: OutputChoice = EMPTY_CHOICE): OutputChoice {
  const get = (name: string) => params.get(name) ?? undefined;
  const mode = get('mode');
  return {
    modality: get('out') ?? base.modality,
    mediaType: get('mediaType') ?? base.mediaType,
    task: get('task') ?? base.task,
    domain: get('domain') ?? base.domain,
    adapter: get('adapter') ?? base.adapter,
    options: get('options') ?? base.options,
    mode: mode === 'async' || mode === 'sync' ? mode : base.mode,
    plannedInput: get('in') ?? base.plannedInput,
  };
}

/** The options textarea read: the object, '' → none, else why it is refused. */
export function parseOptions(text: string): { value?: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'options must be a JSON object, e.g. {"width": 100}' };
  }
  return { value: value as Record<string, unknown> };
}

const EXTENSION_MODALITY: Record<string, string> = {
  pcd: 'pointcloud',
  ply: 'pointcloud',
  xyz: 'pointcloud',
  edf: 'signal',
  csv: 'signal',
  tsv: 'signal',
  txt: 'text',
  md: 'text',
};

/**
 * The modality of an input for planning: what `/v1/detect` said, else a guess from the file's
 * type or extension (the gateway detects from the content when it runs; this only draws the route).
 */
export function inputModality(input: PlaygroundInput): string | undefined {
  if (input.detected) return input.detected.modality;
  if (input.text !== undefined) return 'text';
  const type = input.blob.type;
  const top = type.split('/')[0];
  if (top === 'image' || top === 'audio' || top === 'video') return top;
  if (type === 'text/csv' || type === 'text/tab-separated-values') return 'signal';
  const ext = /\.([a-z0-9]{1,8})$/i.exec(input.name)?.[1]?.toLowerCase();
  if (ext && EXTENSION_MODALITY[ext]) return EXTENSION_MODALITY[ext];
  if (top === 'text') return 'text';
  return undefined;
}

/** The query of `GET /v1/routes` for these inputs and this choice, or null when there is nothing to plan. */
export function routesQuery(inputs: PlaygroundInput[], choice: OutputChoice): string | null {
  const from =
    inputs.length > 0
      ? inputs.map(inputModality).filter((m): m is string => m !== undefined)
      : [choice.plannedInput];
  if (from.length === 0 || !choice.modality) return null;
  const q = new URLSearchParams({ from: [...new Set(from)].join(','), to: choice.modality });
  if (choice.task) q.set('task', choice.task);
  if (choice.adapter) q.set('adapter', choice.adapter);
  if (choice.domain) q.set('domain', choice.domain);
  if (choice.mediaType) q.set('mediaType', choice.mediaType);
  return `/v1/routes?${q}`;
}

/** The body of `POST /v1/infer`: JSON when every input is typed text (README), else multipart with the files in order. */
export function inferBody(
  inputs: PlaygroundInput[],
  choice: OutputChoice,
): { json?: unknown; body?: FormData } {
  const output = choice.mediaType
    ? { modality: choice.modality, mediaType: choice.mediaType }
    : choice.modality;
  const options = parseOptions(choice.options).value;
  const fields: Record<string, unknown> = {
    output,
    ...(choice.task ? { task: choice.task } : {}),
    ...(choice.adapter ? { adapter: choice.adapter } : {}),
    ...(choice.domain ? { domain: choice.domain } : {}),
    ...(options ? { options } : {}),
    mode: choice.mode,
  };
  if (inputs.every((i) => i.text !== undefined)) {
    return { json: { inputs: inputs.map((i) => ({ text: i.text })), ...fields } };
  }
  const form = new FormData();
  for (const input of inputs) {
    if (input.text !== undefined) form.append('text', input.text);
    else form.append('file', input.blob, input.name);
  }
  for (const [name, value] of Object.entries(fields)) {
    form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { body: form };
}
