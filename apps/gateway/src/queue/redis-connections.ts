import { type Command, Redis, ReplyError, type RedisOptions } from 'ioredis';

/** Redis is not connected, or did not answer in time: the request may be tried again shortly (503). */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';

  constructor(cause: unknown) {
    super('the queue (Redis) is not reachable', { cause });
  }
}

/** Whether Redis being away is what `err` comes down to (it, or an error it was caused by). */
export function isRedisUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof RedisUnavailableError) return true;
  }
  return false;
}

/** What a 503 for an unreachable Redis asks a client to wait before trying again (Retry-After). */
export const REDIS_RETRY_AFTER_MS = 2000;

/** What the caller chooses of a connection; the rest is what kind of connection it is. */
type ConnectionOptions = Pick<RedisOptions, 'lazyConnect' | 'connectTimeout' | 'enableAutoPipelining'>;

/** Reconnection attempts at most a second apart: the gateway is back about a second after Redis. */
const reconnectSoon = (attempt: number) => Math.min(attempt * 100, 1000);

/**
 * The connections whose commands requests await. While one is not connected its commands fail
 * at once (no offline queue); when Redis gives no answer for `timeoutMs` the connection is
 * dropped and its pending commands fail. Once one of them has lost Redis, the others' commands
 * fail at once too, until one is back: a request that uses two of them does not wait twice.
 * These failures reach the caller as RedisUnavailableError; an error that Redis itself answered
 * stays as it is. A command that timed out may still have been carried out, late, by a Redis
 * that was only slow or frozen.
 */
export class FailFastConnections {
  /** One of the connections lost Redis and none has been ready since. */
  lost = false;

  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {}

  open(options: ConnectionOptions = {}): Redis {
    return new FailFastRedis(this, options);
  }
}

/** Commands whose rejections FailFastRedis already turns into RedisUnavailableError. */
const wrapped = new WeakSet<Command>();

class FailFastRedis extends Redis {
  constructor(
    private readonly group: FailFastConnections,
    options: ConnectionOptions,
  ) {
    super(group.url, {
      ...options,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // No answer for so long drops the connection: its pending commands fail then, after the
      // group is marked lost (a command timeout would fail them first, and a request could
      // still send its next command to a peer before the peer knows).
      socketTimeout: group.timeoutMs,
      retryStrategy: reconnectSoon,
    });
    this.on('close', () => (group.lost = true));
    this.on('ready', () => (group.lost = false));
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    // A command can be sent more than once (a pipeline, a script retried as EVAL): wrap once.
    if (!wrapped.has(command)) {
      wrapped.add(command);
      const reject = command.reject;
      command.reject = (err: Error) =>
        reject(err instanceof ReplyError ? err : new RedisUnavailableError(err));
    }
    if (this.group.lost && this.status === 'ready') {
      // As ioredis itself does for a connection that is not ready: nothing is written.
      command.reject(new Error('another connection to Redis got no answer'));
      return command.promise;
    }
    return super.sendCommand(command, stream);
  }
}

/**
 * A connection for work that outlives a request (workers, their hops' outcomes, deliveries): its
 * commands wait while Redis is away and go out once it is back, which BullMQ requires of a
 * Worker's connections.
 */
export function waitingRedis(url: string, options: ConnectionOptions = {}): Redis {
  return new Redis(url, { ...options, maxRetriesPerRequest: null, retryStrategy: reconnectSoon });
}
