import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { redisTopologyFromEnv } from '../apps/gateway/src/config/redis-topology';
import type { RedisClient } from '../apps/gateway/src/queue/redis-connections';

/**
 * The variables that point a gateway at the tests' Redis: REDIS_URL, and REDIS_CLUSTER_NODES or
 * REDIS_SENTINELS with REDIS_SENTINEL_NAME.
 */
export type RedisEnv = Record<string, string> & { REDIS_URL: string };

/** What a test file chose (useRedis), ahead of the run's (global-setup: OMNIGATE_TEST_REDIS). */
let chosen: Record<string, string> | undefined;

/**
 * Points every gateway this test file starts afterwards (startGateway, spawnGatewayProcess) and
 * every testRedis() at a Redis Cluster or Sentinels: call it in a root `beforeAll`, which runs
 * before the hooks of the suites a file imports to run them again there.
 */
export function useRedis(
  env: { REDIS_CLUSTER_NODES: string } | { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string },
): void {
  chosen = env;
}

/**
 * The test Redis as variables: the run's redis-server (REDIS_URL), on a Redis Cluster when the
 * file chose one or the run was started with OMNIGATE_TEST_REDIS=cluster.
 */
export function redisEnv(): RedisEnv {
  const cluster = inject('redisClusterNodes');
  return {
    REDIS_URL: inject('redisUrl'),
    ...(chosen ?? (cluster ? { REDIS_CLUSTER_NODES: cluster } : {})),
  };
}

/** A client of the test's own (to read keys, or a BullMQ queue) on the Redis that `env` names. */
export function testRedis(
  env: RedisEnv = redisEnv(),
  options: { maxRetriesPerRequest?: null } = {},
): RedisClient {
  const topology = redisTopologyFromEnv(env);
  if (topology.kind === 'cluster') return new Cluster(topology.nodes, { redisOptions: options });
  if (topology.kind === 'sentinel') {
    return new Redis({ ...options, sentinels: topology.sentinels, name: topology.name });
  }
  return new Redis(env.REDIS_URL, options);
}
