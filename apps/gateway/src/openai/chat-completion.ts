import type { ChatAudio } from './chat-audio';
import type { JobRecord } from '../jobs/job-record';

/** Token counts as OpenAI reports them; zeros when the answering adapter reports none. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [detail: string]: unknown;
}

/** What the facade tells the caller about the answer, from the last hop's `meta`. */
export interface ChatAnswerInfo {
  /** The adapter that answered: the facade's model id for it. */
  model: string;
  created: number;
  finishReason: string;
  usage: ChatUsage;
}

const ZERO_USAGE: ChatUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

export function answerInfo(record: JobRecord): ChatAnswerInfo {
  const last = record.route.at(-1);
  const meta = last?.meta ?? {};
  const usage = meta.usage as ChatUsage | undefined;
  return {
    model: last?.adapter ?? 'auto',
    created: typeof meta.created === 'number' ? meta.created : nowSeconds(),
    finishReason: typeof meta.finish_reason === 'string' ? meta.finish_reason : 'stop',
    usage: usage && typeof usage.total_tokens === 'number' ? usage : ZERO_USAGE,
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A `chat.completion` with one choice; with `audio` (a spoken answer) its content is null, as on OpenAI. */
export function chatCompletion(
  id: string,
  content: string,
  info: ChatAnswerInfo,
  audio?: ChatAudio,
): unknown {
  return {
    id,
    object: 'chat.completion',
    created: info.created,
    model: info.model,
    choices: [
      {
        index: 0,
        message: audio
          ? { role: 'assistant', content: null, refusal: null, audio }
          : { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: info.finishReason,
      },
    ],
    usage: info.usage,
  };
}

/**
 * Writes a `chat.completion.chunk` stream: role first, content pieces (or for a spoken answer
 * `delta.audio`: transcript pieces, the audio's data, its id and expiry), the finish, usage.
 */
export class ChatChunkWriter {
  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
    private readonly write: (event: string) => void,
  ) {}

  /** The first chunk; a spoken answer's content is null. */
  role(model: string, content: string | null = ''): void {
    this.chunk(model, { role: 'assistant', content }, null);
  }

  content(model: string, piece: string): void {
    this.chunk(model, { content: piece }, null);
  }

  /** A piece of a spoken answer's transcript; the first names the audio (`id`). */
  transcript(model: string, piece: string, id?: string): void {
    this.chunk(model, { audio: { ...(id ? { id } : {}), transcript: piece } }, null);
  }

  /** A chunk of a spoken answer's audio, base64. */
  audioData(model: string, data: string): void {
    this.chunk(model, { audio: { data } }, null);
  }

  /** The end of a spoken answer: its id and until when a later turn may refer to it. */
  audioEnd(model: string, id: string, expiresAt: number): void {
    this.chunk(model, { audio: { id, expires_at: expiresAt } }, null);
  }

  /** The finish chunk, the usage chunk when asked for, and `[DONE]`. */
  finish(info: ChatAnswerInfo): void {
    this.chunk(info.model, {}, info.finishReason);
    if (this.includeUsage) {
      this.send({ ...this.base(info.model), choices: [], usage: info.usage });
    }
    this.write('data: [DONE]\n\n');
  }

  /** An error after the stream started: OpenAI's error body as an event, then the end. */
  error(body: unknown): void {
    this.send(body);
  }

  private chunk(model: string, delta: Record<string, unknown>, finishReason: string | null): void {
    this.send({
      ...this.base(model),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.includeUsage ? { usage: null } : {}),
    });
  }

  private base(model: string): Record<string, unknown> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model };
  }

  private send(event: unknown): void {
    this.write(`data: ${JSON.stringify(event)}\n\n`);
  }
}
