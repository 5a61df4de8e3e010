import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import type { ModelAdapter } from '../adapters/model-adapters';
import { tokenUsage } from '../adapters/model-adapters';
import { carrierOf, endSpan, startSpan, type TraceCarrier } from './trace-context';
import type { OpenAiModelKind } from '@omnigate/contracts';

/** What identifies a hop run on its spans. */
export interface HopSpanFields {
  jobId: string;
  adapter: string;
  task: string;
  hop: number;
  generation: number;
  /** The context of the request (or batch line) that created the job. */
  trace?: TraceCarrier;
}

/** The GenAI conventions' operation of each kind of model adapter. */
const OPERATIONS: Record<OpenAiModelKind, string> = {
  chat: 'chat',
  vision: 'chat',
  embedding: 'embeddings',
  transcription: 'generate_content',
  speech: 'generate_content',
  image: 'generate_content',
};

/**
 * The spans of one run of a hop: the hop's own (the adapter's call, storing its outputs, the
 * job's next step), child of the request that created the job, and the adapter call's within it.
 * The call's context goes to the adapter (`headers`), which sends it on to what it calls (a model
 * backend, a remote adapter). A model backend's call is a GenAI client span: `chat gpt-4o-mini`,
 * with the `gen_ai.*` attributes of the OpenTelemetry conventions.
 */
export class HopSpans {
  /** The adapter call's W3C headers, for the adapter's outgoing requests. */
  readonly headers: TraceCarrier;
  private readonly call: Span;

  private constructor(
    private readonly hop: Span,
    private readonly model: ModelAdapter | undefined,
    adapter: string,
  ) {
    this.call = model
      ? startSpan(
          `${OPERATIONS[model.kind]} ${model.model}`,
          hop,
          {
            'gen_ai.operation.name': OPERATIONS[model.kind],
            'gen_ai.system': 'openai',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': model.model,
            'server.address': model.host,
            'omnigate.backend.id': model.backend,
          },
          SpanKind.CLIENT,
        )!
      : startSpan(`adapter ${adapter}`, hop, { 'omnigate.adapter.id': adapter })!;
    this.headers = carrierOf(this.call);
  }

  /** The spans of a hop run; undefined when tracing is off. `model`: the adapter's backend, if it is a model's. */
  static start(hop: HopSpanFields, attempt: number, model: ModelAdapter | undefined): HopSpans | undefined {
    const span = startSpan(`hop ${hop.adapter}`, hop.trace, {
      'omnigate.job.id': hop.jobId,
      'omnigate.adapter.id': hop.adapter,
      'omnigate.task': hop.task,
      'omnigate.hop.index': hop.hop,
      'omnigate.hop.generation': hop.generation,
      'omnigate.hop.attempt': attempt,
    });
    return span && new HopSpans(span, model, hop.adapter);
  }

  /** The adapter answered, with the `meta` it reported (a model's usage, its answer's id and model). */
  answered(meta: Record<string, unknown> | undefined): void {
    endSpan(this.call, undefined, this.model ? genAiResponse(meta) : undefined);
  }

  /** The adapter's call failed. */
  failed(error: unknown): void {
    endSpan(this.call, error);
  }

  /**
   * Ends the hop's span with its outcome; a failure (retried or final) is recorded as an error,
   * a cancellation is not.
   */
  end(outcome: string, error?: unknown): void {
    const failed = outcome === 'failed' || outcome === 'retried';
    endSpan(this.hop, failed ? error : undefined, { 'omnigate.hop.outcome': outcome });
  }
}

/** The GenAI response attributes of what a model backend's adapter reported. */
function genAiResponse(meta: Record<string, unknown> | undefined): Attributes {
  const attributes: Attributes = {};
  const { prompt, completion } = tokenUsage(meta);
  if (prompt !== undefined) attributes['gen_ai.usage.input_tokens'] = prompt;
  if (completion !== undefined) attributes['gen_ai.usage.output_tokens'] = completion;
  if (typeof meta?.model === 'string') attributes['gen_ai.response.model'] = meta.model.slice(0, 256);
  if (typeof meta?.id === 'string') attributes['gen_ai.response.id'] = meta.id.slice(0, 256);
  if (typeof meta?.finish_reason === 'string') {
    attributes['gen_ai.response.finish_reasons'] = [meta.finish_reason.slice(0, 64)];
  }
  return attributes;
}
