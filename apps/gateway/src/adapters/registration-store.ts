import { AdapterRegistrationSchema, type AdapterRegistration } from '@omnigate/contracts';
import type { Redis } from 'ioredis';

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
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:adapters`;
  }

  async list(): Promise<AdapterRegistration[]> {
    const all = await this.redis.hvals(this.key);
    return all.map((raw) => AdapterRegistrationSchema.parse(JSON.parse(raw)));
  }

  async get(id: string): Promise<AdapterRegistration | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw ? AdapterRegistrationSchema.parse(JSON.parse(raw)) : undefined;
  }

  async add(registration: AdapterRegistration): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, registration.id, JSON.stringify(registration))) === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, id)) === 1;
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
