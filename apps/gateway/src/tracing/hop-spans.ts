import type { Attributes, Span } from '@opentelemetry/api';
import type { ModelAdapter } from '../adapters/model-adapters';
import { tokenUsage } from '../adapters/model-adapters';
import { Kind } from './otel-values';
import { SharedAttributes } from './span-attributes';
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

/** A span's name and the attributes it starts with, made once for many spans. */
interface SpanStart {
  name: string;
  attributes: SharedAttributes;
}

/** The GenAI client span's start of a model's calls (the adapters' models live as long as the process). */
const modelCalls = new WeakMap<ModelAdapter, SpanStart>();

function modelCall(model: ModelAdapter): SpanStart {
  let start = modelCalls.get(model);
  if (!start) {
    const operation = OPERATIONS[model.kind];
    start = {
      name: `${operation} ${model.model}`,
      attributes: new SharedAttributes({
        'gen_ai.operation.name': operation,
        'gen_ai.system': 'openai',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': model.model,
        'server.address': model.host,
        'omnigate.backend.id': model.backend,
      }),
    };
    modelCalls.set(model, start);
  }
  return start;
}

/** An adapter's hop span and call span starts, by adapter id. */
const adapterStarts = new Map<string, { hop: SpanStart; call: SpanStart }>();
/** Adapters come and go at run time: past this many, the remembered starts are made again. */
const MAX_ADAPTER_STARTS = 1024;

function adapterStart(adapter: string): { hop: SpanStart; call: SpanStart } {
  let start = adapterStarts.get(adapter);
  if (!start) {
    if (adapterStarts.size >= MAX_ADAPTER_STARTS) adapterStarts.clear();
    const attributes = new SharedAttributes({ 'omnigate.adapter.id': adapter });
    start = { hop: { name: `hop ${adapter}`, attributes }, call: { name: `adapter ${adapter}`, attributes } };
    adapterStarts.set(adapter, start);
  }
  return start;
}

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
    call: SpanStart,
  ) {
    this.call = startSpan(call.name, hop, call.attributes, model ? Kind.CLIENT : Kind.INTERNAL)!;
    this.headers = carrierOf(this.call);
  }

  /** The spans of a hop run; undefined when tracing is off. `model`: the adapter's backend, if it is a model's. */
  static start(hop: HopSpanFields, attempt: number, model: ModelAdapter | undefined): HopSpans | undefined {
    const starts = adapterStart(hop.adapter);
    const span = startSpan(starts.hop.name, hop.trace, starts.hop.attributes);
    if (!span) return undefined;
    span.setAttributes({
      'omnigate.job.id': hop.jobId,
      'omnigate.task': hop.task,
      'omnigate.hop.index': hop.hop,
      'omnigate.hop.generation': hop.generation,
      'omnigate.hop.attempt': attempt,
    });
    return new HopSpans(span, model, model ? modelCall(model) : starts.call);
  }

  /** The adapter answered, with the `meta` it reported (a model's usage, its answer's id and model). */
  answered(meta: Record<string, unknown> | undefined): void {
    if (this.model) setGenAiResponse(this.call, meta);
    this.call.end();
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
    this.hop.setAttribute('omnigate.hop.outcome', outcome);
    endSpan(this.hop, failed ? error : undefined);
  }
}

/** The GenAI response attributes of what a model backend's adapter reported, set on its span. */
function setGenAiResponse(span: Span, meta: Record<string, unknown> | undefined): void {
  const { prompt, completion } = tokenUsage(meta);
  // Set together: the span's list of them is made once, as long as they need.
  const response: Attributes = {};
  if (prompt !== undefined) response['gen_ai.usage.input_tokens'] = prompt;
  if (completion !== undefined) response['gen_ai.usage.output_tokens'] = completion;
  if (typeof meta?.model === 'string') response['gen_ai.response.model'] = meta.model.slice(0, 256);
  if (typeof meta?.id === 'string') response['gen_ai.response.id'] = meta.id.slice(0, 256);
  if (typeof meta?.finish_reason === 'string') {
    response['gen_ai.response.finish_reasons'] = [meta.finish_reason.slice(0, 64)];
  }
  span.setAttributes(response);
}
