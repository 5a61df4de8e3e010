import type { Adapter } from '@omnigate/adapters';
import { AdapterDescriptorSchema, type AdapterDescriptor } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';

/**
 * `builtin`: shipped in libs/adapters; `openai`: from OPENAI_BACKENDS; `module`: from
 * ADAPTER_MODULES; `remote`: registered at runtime (POST /v1/adapters).
 */
export type AdapterSource = 'builtin' | 'openai' | 'module' | 'remote';

/** The adapters this node knows, by id. A bad or duplicate descriptor stops start-up. */
export class AdapterRegistry {
  private readonly adapters = new Map<string, Adapter>();
  private readonly sources = new Map<string, AdapterSource>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

  constructor(adapters: Adapter[] = [], source: AdapterSource = 'builtin') {
    for (const adapter of adapters) this.register(adapter, source);
  }

  register(adapter: Adapter, source: AdapterSource = 'builtin'): void {
    const parsed = AdapterDescriptorSchema.safeParse(adapter.descriptor);
    if (!parsed.success) {
      throw new Error(
        `adapter ${String(adapter.descriptor?.id)} has an invalid descriptor: ${parsed.error.message}`,
        {
          cause: parsed.error,
        },
      );
    }
    if (this.adapters.has(adapter.descriptor.id))
      throw new Error(`duplicate adapter id ${adapter.descriptor.id}`);
    this.adapters.set(adapter.descriptor.id, adapter);
    this.sources.set(adapter.descriptor.id, source);
    this.changed();
  }

  /** Calls `listener` whenever an adapter is registered or unregistered; returns what stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes++;
    for (const listener of this.listeners) listener();
  }

  /** Changes whenever the set of adapters does, so plans computed from it can be cached. */
  get version(): number {
    return this.changes;
  }

  get(id: string): Adapter {
    const adapter = this.adapters.get(id);
    if (!adapter) throw new GatewayError('not_found', `unknown adapter ${id}`, { adapter: id });
    return adapter;
  }

  /** Forgets an adapter: routes no longer use it (a job already running it keeps its instance). */
  unregister(id: string): boolean {
    if (!this.adapters.delete(id)) return false;
    this.sources.delete(id);
    this.changed();
    return true;
  }

  /** Where the adapter came from. */
  source(id: string): AdapterSource {
    return this.sources.get(id) ?? 'builtin';
  }

  has(id: string): boolean {
    return this.adapters.has(id);
  }

  list(): Adapter[] {
    return [...this.adapters.values()];
  }

  descriptors(): AdapterDescriptor[] {
    return this.list().map((a) => a.descriptor);
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((a) => a.close?.()));
  }
}
