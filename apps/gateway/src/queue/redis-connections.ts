import { Cluster, type ClusterOptions, type Command, Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config/redis-topology';

/** A connection to Redis: one server's (also the master Sentinels name), or a Redis Cluster's. */
export type RedisClient = Redis | Cluster;

/** Where connections go: REDIS_URL (its credentials and TLS) and the topology (config/redis-topology.ts). */
/** Options without ioredis 6's reply mapping (RESP2 replies, the default, are what the code reads). */
type Options = Omit<RedisOptions, 'replyMapping'>;
type NodeOptions = Omit<NonNullable<ClusterOptions['redisOptions']>, 'replyMapping'>;

export interface RedisTarget {
  url: string;
  topology: RedisTopology;
}

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

/** Commands whose rejections a fail-fast connection already turns into RedisUnavailableError. */
const wrapped = new WeakSet<Command>();

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
    readonly target: RedisTarget,
    readonly timeoutMs: number,
  ) {}

  open(options: ConnectionOptions = {}): RedisClient {
    return this.target.topology.kind === 'cluster'
      ? new FailFastCluster(this, options)
      : new FailFastRedis(this, options);
  }

  /** What a fail-fast connection's node connections are given, whatever the topology. */
  nodeOptions(options: ConnectionOptions): Options {
    return {
      ...options,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // No answer for so long drops the connection: its pending commands fail then, after the
      // group is marked lost (a command timeout would fail them first, and a request could
      // still send its next command to a peer before the peer knows).
      socketTimeout: this.timeoutMs,
      retryStrategy: reconnectSoon,
    };
  }

  /**
   * `command` made to fail as RedisUnavailableError unless Redis answered the error; true when it
   * was rejected at once because another connection of the group lost Redis (nothing is written).
   */
  refused(command: Command, ready: boolean): boolean {
    // A command can be sent more than once (a pipeline, a script retried as EVAL): wrap once.
    if (!wrapped.has(command)) {
      wrapped.add(command);
      const reject = command.reject;
      command.reject = (err: Error) =>
        reject(err instanceof ReplyError ? err : new RedisUnavailableError(err));
    }
    if (this.lost && ready) {
      // As ioredis itself does for a connection that is not ready: nothing is written.
      command.reject(new Error('another connection to Redis got no answer'));
      return true;
    }
    return false;
  }
}

class FailFastRedis extends Redis {
  constructor(
    private readonly group: FailFastConnections,
    options: ConnectionOptions,
  ) {
    super(group.target.url, { ...group.nodeOptions(options), ...topologyOptions(group.target.topology) });
    this.on('close', () => (group.lost = true));
    this.on('ready', () => (group.lost = false));
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    if (this.group.refused(command, this.status === 'ready')) return command.promise;
    return super.sendCommand(command, stream);
  }
}

/**
 * The same for a Redis Cluster: its commands fail at once while it is not ready (no offline
 * queue), and a node that does not answer drops its connection. The cluster is marked lost
 * when it closes (every node gone), not when one node is: ioredis moves that node's slots on.
 */
class FailFastCluster extends Cluster {
  constructor(
    private readonly group: FailFastConnections,
    options: ConnectionOptions,
  ) {
    // ioredis takes these of the cluster, not of its nodes.
    const { lazyConnect, enableAutoPipelining, retryStrategy, enableOfflineQueue, ...node } =
      group.nodeOptions(options);
    super(clusterNodes(group.target), {
      ...clusterOptions(group.target.url, node),
      lazyConnect,
      enableAutoPipelining,
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy,
    });
    this.on('close', () => (group.lost = true));
    this.on('ready', () => (group.lost = false));
  }

  override sendCommand(
    command: Command,
    stream?: Parameters<Cluster['sendCommand']>[1],
    node?: unknown,
  ): unknown {
    if (this.group.refused(command, this.status === 'ready')) return command.promise;
    return super.sendCommand(command, stream, node);
  }
}

/** What a Sentinel topology adds to a server's options (ioredis asks the Sentinels for the master). */
function topologyOptions(topology: RedisTopology): Options {
  if (topology.kind !== 'sentinel') return {};
  return {
    sentinels: topology.sentinels,
    name: topology.name,
    ...(topology.sentinelPassword !== undefined ? { sentinelPassword: topology.sentinelPassword } : {}),
  };
}

function clusterNodes(target: RedisTarget): { host: string; port: number }[] {
  if (target.topology.kind !== 'cluster') throw new Error('not a cluster topology');
  return target.topology.nodes;
}

/**
 * A cluster's options: REDIS_URL's user, password and TLS for every node (a cluster has no
 * database but 0), the node connections' own options beside them.
 */
function clusterOptions(url: string, node: NodeOptions): { redisOptions: NodeOptions } {
  const u = new URL(url);
  return {
    redisOptions: {
      ...node,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/**
 * A connection for work that outlives a request (workers, their hops' outcomes, deliveries): its
 * commands wait while Redis is away and go out once it is back, which BullMQ requires of a
 * Worker's connections.
 */
export function waitingRedis(target: RedisTarget, options: ConnectionOptions = {}): RedisClient {
  if (target.topology.kind === 'cluster') {
    const { lazyConnect, enableAutoPipelining, ...node } = options;
    return new Cluster(clusterNodes(target), {
      ...clusterOptions(target.url, { ...node, maxRetriesPerRequest: null }),
      lazyConnect,
      enableAutoPipelining,
      clusterRetryStrategy: reconnectSoon,
    });
  }
  return new Redis(target.url, {
    ...options,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectSoon,
    ...topologyOptions(target.topology),
  });
}
