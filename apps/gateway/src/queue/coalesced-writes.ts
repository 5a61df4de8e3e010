import type { RedisClient } from './redis-connections';

interface Corkable {
  write: (...args: never[]) => boolean;
  cork(): void;
  uncork(): void;
}

const patched = new WeakSet<object>();

/**
 * Makes the connection's socket writes of one event-loop turn go out as one: the first write of
 * a turn corks the socket and a `setImmediate` uncorks it, so the commands of many concurrent
 * jobs (ioredis writes each command, and each MULTI, on its own otherwise) reach Redis in one
 * `writev` instead of one syscall each. Only the transport changes: the bytes, their order on
 * the connection and every reply are the same, unlike ioredis's auto-pipelining (which BullMQ
 * does not support). Applied again to each new socket after a reconnect.
 */
export function coalesceWrites(redis: RedisClient): void {
  const patch = () => {
    const stream = (redis as unknown as { stream?: Corkable }).stream;
    if (!stream || patched.has(stream) || typeof stream.cork !== 'function') return;
    patched.add(stream);
    const write = stream.write;
    let corked = false;
    const flush = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function (this: Corkable, ...args: never[]): boolean {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(flush);
      }
      return write.apply(this, args);
    };
  };
  redis.on('connect', patch);
  patch();
}
