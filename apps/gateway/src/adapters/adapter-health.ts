import type { Logger } from 'pino';
import { BREAKER_CHANGED } from '../jobs/bus-topics';
import type { ClusterBus, MessageOf } from '../queue/cluster-bus';

type BreakerMessage = MessageOf<typeof BREAKER_CHANGED>;

export interface BreakerSettings {
  /** Consecutive retryable failures that open an adapter's breaker. */
  failures: number;
  /** How long an open breaker keeps the adapter out of routes before one trial job. */
  cooldownMs: number;
}

/** `unhealthy`: the adapter's health probe fails (remote adapters). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'unhealthy';

export interface AdapterHealthView {
  state: BreakerState;
  /** Consecutive retryable failures seen by this process. */
  failures: number;
  /** While open: when the adapter gets its trial job. */
  retryAt?: string;
}

/**
 * A circuit breaker per adapter. Each worker counts the consecutive retryable failures of the
 * adapters it runs; when one reaches `failures` its breaker opens, on every process (the bus), and
 * the router leaves the adapter out for `cooldownMs`. Then it is half-open: routes may use it
 * again, the next success closes the breaker, the next failure opens it again at once.
 */
export class AdapterHealth {
  private readonly failures = new Map<string, number>();
  private readonly openUntil = new Map<string, number>();
  /** Adapters whose health probe failed last time (remote adapters), in this process. */
  private readonly probeFailing = new Set<string>();
  private unsubscribe?: () => void;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.subscribe(BREAKER_CHANGED, (message) => this.apply(message));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** A retryable failure of `adapter` (bad input says nothing about the adapter's health). */
  failure(adapter: string): void {
    const count = (this.failures.get(adapter) ?? 0) + 1;
    this.failures.set(adapter, count);
    if (this.isOpen(adapter)) return;
    // Half-open (the cooldown is over, the breaker not yet closed): one failure is enough.
    if (count >= this.settings.failures || this.openUntil.has(adapter)) {
      this.announce({ adapter, openUntil: this.now() + this.settings.cooldownMs });
    }
  }

  success(adapter: string): void {
    this.failures.delete(adapter);
    if (this.openUntil.has(adapter)) this.announce({ adapter, openUntil: null });
  }

  /** The result of a health probe of `adapter`: a failing one is left out like an open breaker. */
  probed(adapter: string, ok: boolean): void {
    if (ok === !this.probeFailing.has(adapter)) return;
    if (ok) this.probeFailing.delete(adapter);
    else this.probeFailing.add(adapter);
    this.logger[ok ? 'info' : 'warn'](
      { adapter },
      ok ? 'adapter healthy again' : 'adapter health probe failed',
    );
  }

  /** Forgets an adapter that is gone. */
  forget(adapter: string): void {
    this.failures.delete(adapter);
    this.openUntil.delete(adapter);
    this.probeFailing.delete(adapter);
  }

  /** True while the adapter's breaker is open or its probe fails: routes leave it out. */
  isOpen(adapter: string): boolean {
    if (this.probeFailing.has(adapter)) return true;
    const until = this.openUntil.get(adapter);
    return until !== undefined && this.now() < until;
  }

  /** Ids of the adapters left out of routes now, sorted: part of the router's cache key. */
  openAdapters(): string[] {
    return [...new Set([...this.openUntil.keys(), ...this.probeFailing])]
      .filter((id) => this.isOpen(id))
      .sort();
  }

  view(adapter: string): AdapterHealthView {
    const until = this.openUntil.get(adapter);
    const failures = this.failures.get(adapter) ?? 0;
    if (this.probeFailing.has(adapter)) return { state: 'unhealthy', failures };
    if (until === undefined) return { state: 'closed', failures };
    if (this.now() < until) return { state: 'open', failures, retryAt: new Date(until).toISOString() };
    return { state: 'half-open', failures };
  }

  /** The adapter's breaker alone (a failing health probe aside), for metrics. */
  breaker(adapter: string): Exclude<BreakerState, 'unhealthy'> {
    const until = this.openUntil.get(adapter);
    if (until === undefined) return 'closed';
    return this.now() < until ? 'open' : 'half-open';
  }

  /** False while the adapter's last health probe failed (remote adapters); true without probes. */
  probeOk(adapter: string): boolean {
    return !this.probeFailing.has(adapter);
  }

  /** Milliseconds until the soonest of these adapters gets its trial job. */
  retryAfterMs(adapters: string[]): number {
    const waits = adapters.map((id) => (this.openUntil.get(id) ?? 0) - this.now()).filter((ms) => ms > 0);
    return waits.length > 0 ? Math.min(...waits) : 0;
  }

  /** Applies the change here at once, then tells the other processes. */
  private announce(message: BreakerMessage): void {
    this.apply(message);
    this.bus.publish(BREAKER_CHANGED, message).catch((err: unknown) => {
      this.logger.warn({ err, adapter: message.adapter }, 'could not announce a breaker change');
    });
  }

  private apply({ adapter, openUntil }: BreakerMessage): void {
    if (openUntil === null) {
      if (this.openUntil.delete(adapter)) this.logger.info({ adapter }, 'adapter breaker closed');
      this.failures.delete(adapter);
      return;
    }
    if ((this.openUntil.get(adapter) ?? 0) >= openUntil) return;
    this.openUntil.set(adapter, openUntil);
    this.logger.warn({ adapter, until: new Date(openUntil).toISOString() }, 'adapter breaker open');
  }
}
