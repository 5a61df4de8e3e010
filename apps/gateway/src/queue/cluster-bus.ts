import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Small messages every gateway and worker process sees (breaker changes, registrations). */
export interface ClusterBus {
  publish(topic: string, message: unknown): Promise<void>;
  /** Listens to one topic; returns the function that stops listening. */
  subscribe(topic: string, listener: (message: unknown) => void): () => void;
}

/** One process: an EventEmitter. */
export class LocalClusterBus implements ClusterBus {
  private readonly events = new EventEmitter().setMaxListeners(0);

  async publish(topic: string, message: unknown): Promise<void> {
    this.events.emit(topic, message);
  }

  subscribe(topic: string, listener: (message: unknown) => void): () => void {
    this.events.on(topic, listener);
    return () => this.events.off(topic, listener);
  }
}

/** Redis pub/sub, one channel per topic, on the process's shared subscriber connection. */
export class RedisClusterBus implements ClusterBus {
  private readonly local = new LocalClusterBus();
  private readonly channels = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, raw: string) => {
      if (!this.channels.has(channel)) return;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch (err) {
        this.logger.warn({ err, channel }, 'ignoring a malformed bus message');
        return;
      }
      void this.local.publish(channel, message);
    });
  }

  private channel(topic: string): string {
    return `${this.prefix}:bus:${topic}`;
  }

  async publish(topic: string, message: unknown): Promise<void> {
    await this.redis.publish(this.channel(topic), JSON.stringify(message));
  }

  subscribe(topic: string, listener: (message: unknown) => void): () => void {
    const channel = this.channel(topic);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      this.subscriber
        .subscribe(channel)
        .catch((err: unknown) => this.logger.error({ err, channel }, 'bus subscription failed'));
    }
    return this.local.subscribe(channel, listener);
  }
}
