import type { FastifyReply, FastifyRequest } from 'fastify';
import { SSE_HEADERS } from '../events/sse-frame';
import type { InferenceService } from '../inference/inference.service';
import { callerOf } from '../inference/job-caller';
import type { JobRecord } from '../jobs/job-record';
import { completed, describeFallback, describeRoute, routeHeaders } from './facade-job';
import type { StoredResponse } from './response-store';
import { newResponseId, type ResponseJob } from './responses-endpoint';
import { newItemId, type ResponseCreateRequest } from './responses-request';
import { responseError, unfinishedResponse } from './unfinished-response';

type Response = StoredResponse['response'];

/** The assistant message a stream is about, as `output_item.added` and `output_item.done` carry it. */
interface MessageItem {
  id: string;
  type: 'message';
  status: string;
  role: 'assistant';
  content: { type: string; text?: string }[];
}

/**
 * Writes the Responses API's server-sent events for a response of one assistant message of
 * `output_text` (output index 0, content index 0), each with the next `sequence_number`:
 * `response.created`, `response.in_progress`, the item and its part added, a
 * `response.output_text.delta` per piece, then the text, the part and the item done and
 * `response.completed` or `response.incomplete`; or `response.failed` at any point after start.
 */
export class ResponseEventWriter {
  private sequence = 0;

  constructor(
    /** The message's id: the `item_id` of every event about it, and its id in the final response. */
    readonly itemId: string,
    private readonly write: (frame: string) => void,
  ) {}

  start(response: Response): void {
    this.send('response.created', { response });
    this.send('response.in_progress', { response });
    this.send('response.output_item.added', {
      output_index: 0,
      item: { id: this.itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    });
    this.send('response.content_part.added', {
      ...this.position(),
      part: { type: 'output_text', text: '', annotations: [] },
    });
  }

  delta(delta: string): void {
    this.send('response.output_text.delta', { ...this.position(), delta, logprobs: [] });
  }

  /** The end of the message (`item`, the final response's) and of the response. */
  finish(response: Response, item: MessageItem): void {
    const text = item.content
      .filter((part) => part.type === 'output_text')
      .map((part) => part.text ?? '')
      .join('');
    this.send('response.output_text.done', { ...this.position(), text, logprobs: [] });
    this.send('response.content_part.done', {
      ...this.position(),
      part: { type: 'output_text', text, annotations: [] },
    });
    this.send('response.output_item.done', { output_index: 0, item });
    this.send(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response,
    });
  }

  failed(response: Response): void {
    this.send('response.failed', { response });
  }

  private position(): { item_id: string; output_index: 0; content_index: 0 } {
    return { item_id: this.itemId, output_index: 0, content_index: 0 };
  }

  private send(type: string, fields: Record<string, unknown>): void {
    const event = { type, ...fields, sequence_number: this.sequence++ };
    // JSON.stringify escapes newlines: the data is always one line.
    this.write(`event: ${type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
}

/** The message item of a response, or an empty completed one when it has none. */
function messageOf(response: Response, itemId: string): MessageItem {
  const output = (response.output as { type?: string }[] | undefined) ?? [];
  const message = output.find((item) => item.type === 'message') as MessageItem | undefined;
  return message ?? { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [] };
}

/**
 * `stream: true`: the response's chat job streamed as Responses events. As chat's stream, the
 * status line waits for the first piece of text (or the end), so a request that fails before
 * anything streamed gets its error status; after that a failure is `response.failed`. A client
 * that goes away cancels the job. With `store`, the response is stored before its last event,
 * so a follow-up sent on `response.completed` finds it.
 */
export async function streamResponse(
  req: FastifyRequest,
  reply: FastifyReply,
  body: ResponseCreateRequest,
  job: ResponseJob,
  deps: { inference: InferenceService },
  /** Keeps the answer (stored with `store`, added to its conversation) before the last event. */
  keep: (stored: StoredResponse) => Promise<void>,
): Promise<void> {
  const raw = reply.raw;
  const abort = new AbortController();
  const onClose = () => {
    if (!raw.writableFinished) abort.abort();
  };
  raw.on('close', onClose);
  const id = newResponseId();
  const events = new ResponseEventWriter(newItemId(), (frame) => raw.write(frame));
  let started = false;
  const start = (record?: JobRecord) => {
    if (started) return;
    started = true;
    reply.hijack();
    raw.writeHead(200, { ...SSE_HEADERS, ...(record ? routeHeaders(record) : {}) });
    events.start(unfinishedResponse(body, id, 'in_progress'));
  };
  try {
    const ended = await deps.inference.runStreaming(job.request, {
      signal: abort.signal,
      timeoutMs: job.request.timeoutMs,
      caller: callerOf(req),
      onDelta: (delta) => {
        if (abort.signal.aborted || delta === '') return;
        start();
        events.delta(delta);
      },
    });
    if (abort.signal.aborted) {
      if (!started) reply.hijack();
      return;
    }
    const record = completed(ended);
    const stored = await job.build(record, { response: id, item: events.itemId });
    const item = messageOf(stored.response, events.itemId);
    if (!started) {
      // Nothing streamed (the last hop's adapter does not stream): the answer as one piece.
      start(record);
      const text = item.content.map((part) => part.text ?? '').join('');
      if (text !== '') events.delta(text);
    } else {
      // The headers left before the route was known: it follows as SSE comments.
      raw.write(`: x-omnigate-job ${record.id}\n: x-omnigate-route ${describeRoute(record)}\n`);
      const fallback = describeFallback(record);
      raw.write(fallback ? `: x-omnigate-fallback ${fallback}\n\n` : '\n');
    }
    await keep(stored);
    events.finish(stored.response, item);
    raw.end();
  } catch (err) {
    if (!started) throw err;
    if (!raw.destroyed) {
      events.failed(unfinishedResponse(body, id, 'failed', responseError(err)));
      raw.end();
    }
  } finally {
    raw.off('close', onClose);
  }
}
