import { z } from 'zod';
import { httpUrlWithoutCredentials } from './http-url';

/** The public OpenAI API. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Model names used for the backend that `OPENAI_API_KEY` alone configures. */
export const OPENAI_DEFAULT_MODELS = {
  chat: 'gpt-4o-mini',
  vision: 'gpt-4o-mini',
  /** whisper-1 rather than gpt-4o-mini-transcribe: it is the one that answers every response_format (verbose_json, srt, vtt). */
  transcription: 'whisper-1',
  speech: 'gpt-4o-mini-tts',
  image: 'gpt-image-1',
  embedding: 'text-embedding-3-small',
} as const;

/** The kinds of model one backend may serve; each yields one adapter, `<backend id>.<kind>`. */
export const OPENAI_MODEL_KINDS = [
  'chat',
  'vision',
  'transcription',
  'speech',
  'image',
  'embedding',
] as const;
export type OpenAiModelKind = (typeof OPENAI_MODEL_KINDS)[number];

const ModelNameSchema = z.string().trim().min(1).max(256);

/** Model names per kind; a kind left out is a capability the backend does not declare. */
export const OpenAiModelsSchema = z
  .strictObject({
    /** Text → text chat completions. */
    chat: ModelNameSchema.optional(),
    /** Image (+ text) → text chat completions. */
    vision: ModelNameSchema.optional(),
    /** Audio → text, `/audio/transcriptions`. */
    transcription: ModelNameSchema.optional(),
    /** Text → audio, `/audio/speech`. */
    speech: ModelNameSchema.optional(),
    /** Text → image, `/images/generations`. */
    image: ModelNameSchema.optional(),
    /** Text → embedding vector (JSON), `/embeddings`. */
    embedding: ModelNameSchema.optional(),
  })
  .refine((models) => OPENAI_MODEL_KINDS.some((kind) => models[kind] !== undefined), {
    message: `name at least one model (${OPENAI_MODEL_KINDS.join(', ')})`,
  });
export type OpenAiModels = z.infer<typeof OpenAiModelsSchema>;

/** One OpenAI-compatible backend: OpenAI itself, vLLM, Ollama, LocalAI, llama.cpp's server ... */
export const OpenAiBackendSchema = z
  .strictObject({
    /** Prefix of the adapter ids (`<id>.chat`); `builtin` is reserved for the built-in adapters. */
    id: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]{0,63}$/i,
        'a backend id is letters, digits, "_" and "-" (no dots), up to 64',
      )
      .refine((id) => id.toLowerCase() !== 'builtin', {
        message: '"builtin" is reserved for the built-in adapters',
      }),
    /** Base URL including the version path, e.g. `http://vllm:8000/v1`; no user name or password in it. */
    baseUrl: httpUrlWithoutCredentials('give the key as apiKey').default(OPENAI_DEFAULT_BASE_URL),
    /** Sent as `Authorization: Bearer`; local servers often need none. */
    apiKey: z.string().min(1).optional(),
    models: OpenAiModelsSchema,
    /** Per request, without retries (the router retries); default 120 s. */
    timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
    /** Jobs one worker process sends to this backend at once. */
    concurrency: z.number().int().positive().max(1024).optional(),
    /** Cost hint of every adapter of this backend; higher than the built-ins' by default, so they stay preferred. */
    costHint: z.number().nonnegative().optional(),
  })
  .meta({ id: 'OpenAiBackend' });
export type OpenAiBackend = z.infer<typeof OpenAiBackendSchema>;
export type OpenAiBackendInput = z.input<typeof OpenAiBackendSchema>;

/** The value of `OPENAI_BACKENDS`: a JSON list of backends with distinct ids. */
export const OpenAiBackendsSchema = z.array(OpenAiBackendSchema).superRefine((backends, ctx) => {
  const seen = new Set<string>();
  backends.forEach((backend, index) => {
    const key = backend.id.toLowerCase();
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate backend id "${backend.id}"` });
    }
    seen.add(key);
  });
});

/** The backend `OPENAI_API_KEY` alone stands for: api.openai.com with OPENAI_DEFAULT_MODELS. */
export function defaultOpenAiBackend(apiKey: string): OpenAiBackend {
  return OpenAiBackendSchema.parse({ id: 'openai', apiKey, models: { ...OPENAI_DEFAULT_MODELS } });
}

/**
 * Backends from the environment: `OPENAI_BACKENDS` (JSON) when set, else one `openai` backend when
 * `OPENAI_API_KEY` is set, else none. An entry for api.openai.com without `apiKey` takes
 * `OPENAI_API_KEY`. A bad value throws an error that names the variable and the field.
 */
export function openAiBackendsFromEnv(env: Record<string, string | undefined>): OpenAiBackend[] {
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const raw = env.OPENAI_BACKENDS?.trim();
  if (!raw) return apiKey ? [defaultOpenAiBackend(apiKey)] : [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Not the parser's message: Node quotes the text around the error, which may hold an api key.
    throw new Error('OPENAI_BACKENDS is not valid JSON (a list of {id, baseUrl, apiKey, models})');
  }
  const parsed = OpenAiBackendsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(list)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`OPENAI_BACKENDS is invalid: ${issues}`, { cause: parsed.error });
  }
  return parsed.data.map((backend) =>
    backend.apiKey === undefined && apiKey && isOpenAiHost(backend.baseUrl)
      ? { ...backend, apiKey }
      : backend,
  );
}

function isOpenAiHost(baseUrl: string): boolean {
  return new URL(baseUrl).hostname === new URL(OPENAI_DEFAULT_BASE_URL).hostname;
}
