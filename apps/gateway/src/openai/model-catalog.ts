import type { Adapter } from '@omnigate/adapters';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import { GatewayError } from '../errors/gateway-error';
import { modelNotFound } from './openai-error';

/** The model id that lets the router choose. */
export const AUTO_MODEL = 'auto';

/** One entry of `GET /v1/models`. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  /** `builtin`, `module`, or the OpenAI backend's id. */
  owned_by: string;
}

/** What a request's `model` pins: an adapter id, or nothing (`auto`). */
export interface ResolvedModel {
  adapter?: string;
}

/** The name an OpenAI-family adapter sends upstream (`gpt-4o-mini`); undefined for other adapters. */
export function upstreamModel(adapter: Adapter): string | undefined {
  const model = (adapter as { model?: unknown }).model;
  return typeof model === 'string' ? model : undefined;
}

export function offersTask(adapter: Adapter, task: string): boolean {
  return adapter.descriptor.capabilities.some((c) => c.task === task);
}

/**
 * The facade's model ids: `auto`, and every adapter under its own id (`builtin.speech`,
 * `openai.chat`). An OpenAI backend's upstream model name is accepted too where it names one
 * adapter of the endpoint's task.
 */
export class ModelCatalog {
  constructor(
    private readonly registry: AdapterRegistry,
    /** Unix seconds reported as every model's `created`: the gateway's start. */
    private readonly created: number,
  ) {}

  list(): OpenAiModel[] {
    return [
      { id: AUTO_MODEL, object: 'model', created: this.created, owned_by: 'omnigate' },
      ...this.registry.list().map((adapter) => this.entry(adapter)),
    ];
  }

  get(id: string): OpenAiModel {
    if (id === AUTO_MODEL) return this.list()[0];
    if (!this.registry.has(id)) throw modelNotFound(id);
    return this.entry(this.registry.get(id));
  }

  /**
   * `auto` pins nothing; an adapter id pins that adapter; an upstream model name pins the one
   * adapter of source `openai` that sends it and performs `task` (`prefer` breaks a tie, e.g.
   * the vision adapter for a conversation with images). Anything else is 404 `model_not_found`.
   */
  resolve(model: string, task: string, prefer?: (adapter: Adapter) => boolean): ResolvedModel {
    if (model === AUTO_MODEL) return {};
    if (this.registry.has(model)) return { adapter: model };
    const matches = this.registry
      .list()
      .filter(
        (a) =>
          this.registry.source(a.descriptor.id) === 'openai' &&
          upstreamModel(a) === model &&
          offersTask(a, task),
      );
    const preferred = prefer ? matches.filter(prefer) : [];
    const candidates = preferred.length > 0 ? preferred : matches;
    if (candidates.length === 0) throw modelNotFound(model);
    if (candidates.length > 1) {
      const ids = candidates.map((a) => a.descriptor.id);
      throw new GatewayError(
        'invalid_request',
        `model ${model} is served by ${ids.join(' and ')}; name one of those adapter ids as the model, or use auto`,
        { param: 'model', openAiCode: 'model_ambiguous', adapters: ids },
      );
    }
    return { adapter: candidates[0].descriptor.id };
  }

  /**
   * The task a request of this endpoint asks for: `task` when the pinned adapter (or, with
   * auto, any adapter) performs it; else none, so the pinned adapter does what it does on
   * the same modalities, or with auto the router picks any route (`fallbackToAnyRoute`).
   */
  taskFor(task: string, resolved: ResolvedModel, fallbackToAnyRoute = false): string | undefined {
    if (resolved.adapter) return offersTask(this.registry.get(resolved.adapter), task) ? task : undefined;
    if (!fallbackToAnyRoute) return task;
    return this.registry.list().some((a) => offersTask(a, task)) ? task : undefined;
  }

  /** The adapter with the lowest cost hint that performs `task`; undefined when none does. */
  cheapest(task: string): string | undefined {
    const cost = (a: Adapter) => a.descriptor.costHint ?? 1;
    return this.registry
      .list()
      .filter((a) => offersTask(a, task))
      .sort((a, b) => cost(a) - cost(b) || a.descriptor.id.localeCompare(b.descriptor.id))[0]?.descriptor.id;
  }

  adapter(id: string): Adapter {
    return this.registry.get(id);
  }

  private entry(adapter: Adapter): OpenAiModel {
    const id = adapter.descriptor.id;
    const source = this.registry.source(id);
    // An OpenAI backend's adapters are `<backend>.<kind>`; backend ids hold no dot.
    const owner = source === 'openai' ? id.slice(0, id.lastIndexOf('.')) : source;
    return { id, object: 'model', created: this.created, owned_by: owner };
  }
}
