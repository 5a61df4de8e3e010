import { EventEmitter } from 'node:events';
import type { RedisClient } from './redis-connections';
import type { Logger } from 'pino';

/** A topic of the bus and the type of its messages (see jobs/bus-topics.ts for all of them). */
export interface BusTopic<Message> {
  readonly name: string;
  /** Never set: it carries the message type. */
  readonly message?: Message;
}

/** The type of a topic's messages. */
export type MessageOf<Topic> = Topic extends BusTopic<infer Message> ? Message : never;

export function busTopic<Message>(name: string): BusTopic<Message> {
  return { name };
}

/** Small messages every gateway and worker process sees (breaker changes, registrations). */
export interface ClusterBus {
  publish<Message>(topic: BusTopic<Message>, message: Message): Promise<void>;
  /** Listens to one topic; returns the function that stops listening. */
  subscribe<Message>(topic: BusTopic<Message>, listener: (message: Message) => void): () => void;
}

/** One process: an EventEmitter. */
export class LocalClusterBus implements ClusterBus {
  private readonly events = new EventEmitter().setMaxListeners(0);

  async publish<Message>(topic: BusTopic<Message>, message: Message): Promise<void> {
    this.emit(topic.name, message);
  }

  subscribe<Message>(topic: BusTopic<Message>, listener: (message: Message) => void): () => void {
    return this.on(topic.name, listener as (message: unknown) => void);
  }

  /** By name: RedisClusterBus hands on what arrives on a channel. */
  emit(name: string, message: unknown): void {
    this.events.emit(name, message);
  }

  on(name: string, listener: (message: unknown) => void): () => void {
    this.events.on(name, listener);
    return () => this.events.off(name, listener);
  }
}

/** Redis pub/sub, one channel per topic, on the process's shared subscriber connection. */
export class RedisClusterBus implements ClusterBus {
  private readonly local = new LocalClusterBus();
  private readonly channels = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
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
      this.local.emit(channel, message);
    });
  }

  private channel(topic: string): string {
    return `${this.prefix}:bus:${topic}`;
  }

  async publish<Message>(topic: BusTopic<Message>, message: Message): Promise<void> {
    await this.redis.publish(this.channel(topic.name), JSON.stringify(message));
  }

  subscribe<Message>(topic: BusTopic<Message>, listener: (message: Message) => void): () => void {
    const channel = this.channel(topic.name);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      this.subscriber
        .subscribe(channel)
        .catch((err: unknown) => this.logger.error({ err, channel }, 'bus subscription failed'));
    }
    return this.local.on(channel, listener as (message: unknown) => void);
  }
}
