import { AdapterRegistrationSchema, type AdapterRegistration } from '@omnigate/contracts';
import type { RedisClient } from '../queue/redis-connections';
import type { Logger } from 'pino';
import type { SharedState } from '../queue/job-backend';

/** Where runtime registrations (POST /v1/adapters) are kept, secrets included. */
export interface RegistrationStore {
  list(): Promise<AdapterRegistration[]>;
  get(id: string): Promise<AdapterRegistration | undefined>;
  /** Adds the registration; false when the id is taken. */
  add(registration: AdapterRegistration): Promise<boolean>;
  /** False when there was none. */
  remove(id: string): Promise<boolean>;
}

/** One Redis hash, shared by every gateway and worker process; it outlives restarts. */
export class RedisRegistrationStore implements RegistrationStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.key = `${prefix}:adapters`;
  }

  async list(): Promise<AdapterRegistration[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all).flatMap(([id, raw]) => this.parse(id, raw) ?? []);
  }

  async get(id: string): Promise<AdapterRegistration | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw ? this.parse(id, raw) : undefined;
  }

  async add(registration: AdapterRegistration): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, registration.id, JSON.stringify(registration))) === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, id)) === 1;
  }

  /**
   * A stored registration, or undefined for one that the rules of this version refuse (a URL
   * with a password in it, stored before those were refused): it is left out, with a warning
   * that names it and never its values, instead of stopping every process at start-up.
   */
  private parse(id: string, raw: string): AdapterRegistration | undefined {
    const parsed = AdapterRegistrationSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(registration)'}: ${i.message}`);
    this.logger.warn(
      { registration: id, issues },
      `stored adapter registration ${id} is no longer valid and is left out: DELETE /v1/adapters/${id} and register it again`,
    );
    return undefined;
  }
}

/** The in-process driver's: gone with the process, like its jobs. */
export class MemoryRegistrationStore implements RegistrationStore {
  private readonly registrations = new Map<string, AdapterRegistration>();

  async list(): Promise<AdapterRegistration[]> {
    return [...this.registrations.values()];
  }

  async get(id: string): Promise<AdapterRegistration | undefined> {
    return this.registrations.get(id);
  }

  async add(registration: AdapterRegistration): Promise<boolean> {
    if (this.registrations.has(registration.id)) return false;
    this.registrations.set(registration.id, registration);
    return true;
  }

  async remove(id: string): Promise<boolean> {
    return this.registrations.delete(id);
  }
}

/** The registration store where the queue driver keeps its state. */
export function createRegistrationStore(state: SharedState, logger: Logger): RegistrationStore {
  return state.kind === 'redis'
    ? new RedisRegistrationStore(state.redis, state.prefix, logger)
    : new MemoryRegistrationStore();
}
