import type { TestProject } from 'vitest/node';
import { hasRedisServer, startRedisServer } from './redis-server';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * Tests get a private redis-server on a free port when the binary is on PATH, else REDIS_URL,
 * else the run stops with what to install. Every test still uses its own key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!hasRedisServer()) {
    const url = process.env.REDIS_URL;
    if (!url) {
      throw new Error(
        'Tests need Redis: install redis-server (apt-get install -y redis-server) or set REDIS_URL',
      );
    }
    project.provide('redisUrl', url);
    return async () => {};
  }
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
