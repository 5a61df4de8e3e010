import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  AdapterError,
  createOpenAiAdapters,
  redactUrl,
  RemoteHttpAdapter,
  type Adapter,
  type RemoteHttpLimits,
} from '@omnigate/adapters';
import {
  AdapterRegistrationSchema,
  type AdapterRegistration,
  type ModalityDefinition,
} from '@omnigate/contracts';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error';
import type { HopWorkers } from '../jobs/hop-workers';
import type { ModalityRegistry } from '../routing/modality-registry';
import type { AdapterHealth } from './adapter-health';
import type { AdapterRegistry } from './adapter-registry';
import type { RegistrationStore } from './registration-store';
import { REGISTRATION_CHANGED } from '../jobs/bus-topics';
import type { ClusterBus, MessageOf } from '../queue/cluster-bus';

type RegistrationMessage = MessageOf<typeof REGISTRATION_CHANGED>;

/** Bus topic: a registration was added or removed; every process applies it. */

/** What one registration turned into on this node. */
interface Installed {
  registration: AdapterRegistration;
  adapters: Adapter[];
}

/** A registration as `GET /v1/adapters` shows it: never a secret. */
export interface RegistrationView {
  id: string;
  kind: AdapterRegistration['kind'];
  url: string;
}

/**
 * Adapters registered at runtime (`POST /v1/adapters`): kept in the registration store (Redis),
 * announced on the bus, and installed on every gateway and worker process (the registry, the
 * modalities they bring, a worker on their queue). Remote adapters are probed; a failing one is
 * left out of routes until it recovers.
 */
export class AdapterRegistrations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly installed = new Map<string, Installed>();
  /** Registrations this process could not install yet (unreachable server): tried again each probe. */
  private readonly pending = new Set<string>();
  private probeTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly store: RegistrationStore,
    private readonly bus: ClusterBus,
    private readonly registry: AdapterRegistry,
    private readonly modalities: ModalityRegistry,
    private readonly health: AdapterHealth,
    private readonly workers: HopWorkers,
    private readonly probeIntervalMs: number,
    /** What a registered adapter may send back (bytes of one answer), remote or OpenAI-compatible. */
    private readonly remoteLimits: RemoteHttpLimits,
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.bus.subscribe(REGISTRATION_CHANGED, (message) => void this.apply(message));
    for (const registration of await this.store.list()) await this.installOrDefer(registration);
    this.probeTimer = setInterval(() => void this.probe(), this.probeIntervalMs).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.probeTimer);
    this.unsubscribe?.();
  }

  /** Validates, connects, stores and announces a registration; 4xx with the reason when it cannot. */
  async register(body: unknown): Promise<{ registration: RegistrationView; adapters: Adapter[] }> {
    const parsed = AdapterRegistrationSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new GatewayError('invalid_request', `${issues[0]?.path || '(body)'}: ${issues[0]?.message}`, {
        issues,
      });
    }
    const registration = parsed.data;
    const adapters = await this.build(registration).catch((err: unknown) => {
      if (AdapterError.is(err)) throw new GatewayError(err.code, err.message, undefined, { cause: err });
      throw err;
    });
    const taken = adapters.map((a) => a.descriptor.id).filter((id) => this.registry.has(id));
    if (taken.length > 0 || this.installed.has(registration.id)) {
      throw new GatewayError('conflict', `adapter id ${[registration.id, ...taken][0]} is already in use`, {
        ids: taken.length > 0 ? taken : [registration.id],
      });
    }
    this.modalities.check(modalitiesOf(adapters));
    if (!(await this.store.add(registration))) {
      throw new GatewayError('conflict', `adapter id ${registration.id} is already registered`, {
        ids: [registration.id],
      });
    }
    await this.install(registration, adapters);
    await this.bus.publish(REGISTRATION_CHANGED, { op: 'added', id: registration.id });
    return { registration: view(registration), adapters };
  }

  /** Removes a registration everywhere; jobs already running on it finish. */
  async remove(id: string): Promise<void> {
    if (!(await this.store.remove(id))) {
      throw new GatewayError('not_found', `no adapter was registered as ${id}`, { id });
    }
    await this.uninstall(id);
    await this.bus.publish(REGISTRATION_CHANGED, { op: 'removed', id });
  }

  /** The registration an adapter came from, without secrets. */
  registrationOf(adapterId: string): RegistrationView | undefined {
    for (const { registration, adapters } of this.installed.values()) {
      if (adapters.some((a) => a.descriptor.id === adapterId)) return view(registration);
    }
    return undefined;
  }

  private async apply({ op, id }: RegistrationMessage): Promise<void> {
    try {
      if (op === 'removed') return await this.uninstall(id);
      if (this.installed.has(id)) return;
      const registration = await this.store.get(id);
      if (registration) await this.installOrDefer(registration);
    } catch (err) {
      this.logger.error({ err, registration: id, op }, 'could not apply an adapter registration');
    }
  }

  private async installOrDefer(registration: AdapterRegistration): Promise<void> {
    try {
      await this.install(registration, await this.build(registration));
      this.pending.delete(registration.id);
    } catch (err) {
      this.pending.add(registration.id);
      this.logger.warn(
        { err, registration: registration.id },
        'registered adapter not available on this node yet; retrying',
      );
    }
  }

  private async build(registration: AdapterRegistration): Promise<Adapter[]> {
    if (registration.kind === 'http') {
      const { kind: _kind, ...target } = registration;
      return [await RemoteHttpAdapter.connect(target, this.remoteLimits)];
    }
    const { kind: _kind, ...backend } = registration;
    return createOpenAiAdapters(backend, { maxResponseBytes: this.remoteLimits.maxResultBytes });
  }

  private async install(registration: AdapterRegistration, adapters: Adapter[]): Promise<void> {
    if (this.installed.has(registration.id)) return;
    for (const adapter of adapters) {
      this.registry.register(adapter, 'remote');
      if (adapter instanceof RemoteHttpAdapter)
        this.modalities.add(adapter.descriptor.id, adapter.modalities);
    }
    this.installed.set(registration.id, { registration, adapters });
    for (const adapter of adapters) {
      if (this.workers.serves(adapter.descriptor.id)) await this.workers.serve(adapter.descriptor.id);
      if (adapter instanceof RemoteHttpAdapter) void this.probeOne(adapter);
    }
    this.logger.info(
      { registration: registration.id, adapters: adapters.map((a) => a.descriptor.id) },
      'adapter registered',
    );
  }

  private async uninstall(id: string): Promise<void> {
    this.pending.delete(id);
    const entry = this.installed.get(id);
    if (!entry) return;
    this.installed.delete(id);
    for (const adapter of entry.adapters) {
      const adapterId = adapter.descriptor.id;
      this.registry.unregister(adapterId);
      this.modalities.removeOwner(adapterId);
      this.health.forget(adapterId);
    }
    // Workers stop taking new jobs; the running ones finish in the background.
    void Promise.all(entry.adapters.map((a) => this.workers.stopServing(a.descriptor.id))).catch(
      (err: unknown) => this.logger.warn({ err, registration: id }, 'stopping a removed adapter failed'),
    );
    this.logger.info({ registration: id }, 'adapter removed');
  }

  /** Probes the remote adapters, and tries again the registrations not installed yet. */
  private async probe(): Promise<void> {
    for (const id of [...this.pending]) {
      const registration = await this.store.get(id).catch(() => undefined);
      if (registration) await this.installOrDefer(registration);
      else this.pending.delete(id);
    }
    await Promise.all(
      [...this.installed.values()].flatMap(({ adapters }) =>
        adapters.filter((a) => a instanceof RemoteHttpAdapter).map((a) => this.probeOne(a)),
      ),
    );
  }

  private async probeOne(adapter: RemoteHttpAdapter): Promise<void> {
    const ok = await adapter.healthy();
    // Removed while the probe ran: nothing to report.
    if (this.registry.has(adapter.descriptor.id)) this.health.probed(adapter.descriptor.id, ok);
  }
}

function modalitiesOf(adapters: Adapter[]): ModalityDefinition[] {
  return adapters.flatMap((a) => (a instanceof RemoteHttpAdapter ? a.modalities : []));
}

function view(registration: AdapterRegistration): RegistrationView {
  // Query values may be keys too (`?api-key=`); a stored registration may predate the refusal of credentials.
  const url = redactUrl(registration.kind === 'http' ? registration.url : registration.baseUrl);
  return { id: registration.id, kind: registration.kind, url };
}
