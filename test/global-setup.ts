import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster';
import { hasRedisServer, startRedisServer } from './redis-server';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** With OMNIGATE_TEST_REDIS=cluster: the seed nodes of a three-master cluster; else empty. */
    redisClusterNodes: string;
  }
}

/**
 * Tests get a private redis-server on a free port when the binary is on PATH, else REDIS_URL,
 * else the run stops with what to install. Every test still uses its own key prefix. With
 * OMNIGATE_TEST_REDIS=cluster the gateways the harness starts use a three-master Redis Cluster
 * started here instead (test/test-redis.ts); the cluster e2e files start one of their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = process.env.OMNIGATE_TEST_REDIS ?? 'single';
  if (mode !== 'single' && mode !== 'cluster') {
    throw new Error(`OMNIGATE_TEST_REDIS is single (default) or cluster, not ${mode}`);
  }
  const cluster = mode === 'cluster' ? await startRedisCluster() : undefined;
  project.provide('redisClusterNodes', cluster?.nodes ?? '');
  if (!hasRedisServer()) {
    const url = process.env.REDIS_URL;
    if (!url) {
      throw new Error(
        'Tests need Redis: install redis-server (apt-get install -y redis-server) or set REDIS_URL',
      );
    }
    project.provide('redisUrl', url);
    return async () => {
      await cluster?.stop();
    };
  }
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return async () => {
    await Promise.all([redis.stop(), cluster?.stop()]);
  };
}
