import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';
import { redisTopologyFromEnv } from './redis-topology';

describe('redisTopologyFromEnv', () => {
  it('is one server by default', () => {
    expect(redisTopologyFromEnv({})).toEqual({ kind: 'single' });
    expect(loadConfig({}).queue.redisTopology).toEqual({ kind: 'single' });
  });

  it('reads cluster seed nodes, IPv6 in brackets', () => {
    expect(redisTopologyFromEnv({ REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[::1]:7002' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-a', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('reads Sentinels with the master group name and their password', () => {
    expect(
      redisTopologyFromEnv({
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'pw',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      sentinelPassword: 'pw',
    });
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: 'redis-a' }, /REDIS_CLUSTER_NODES: "redis-a" is not host:port/],
    [{ REDIS_CLUSTER_NODES: 'a:0' }, /REDIS_CLUSTER_NODES: "a:0" is not host:port/],
    [{ REDIS_CLUSTER_NODES: 'a:70000' }, /REDIS_CLUSTER_NODES: "a:70000"/],
    [{ REDIS_CLUSTER_NODES: ',,' }, /REDIS_CLUSTER_NODES: list at least one host:port/],
    [{ REDIS_CLUSTER_NODES: Array(65).fill('a:1').join(',') }, /REDIS_CLUSTER_NODES: at most 64 nodes/],
    [
      { REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2' },
      /REDIS_CLUSTER_NODES and REDIS_SENTINELS: set one/,
    ],
    [{ REDIS_SENTINELS: 'b:2' }, /REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/],
    [{ REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'my master' }, /REDIS_SENTINEL_NAME: letters/],
    [{ REDIS_SENTINEL_NAME: 'mymaster' }, /REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not/],
    [
      { REDIS_SENTINELS: 'http://b:2', REDIS_SENTINEL_NAME: 'm' },
      /REDIS_SENTINELS: "http:\/\/b:2" is not host:port/,
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('answers at once on a long hostile value', () => {
    const started = Date.now();
    expect(() => redisTopologyFromEnv({ REDIS_CLUSTER_NODES: `${'a'.repeat(100_000)}:` })).toThrow(
      /REDIS_CLUSTER_NODES/,
    );
    expect(Date.now() - started).toBeLessThan(200);
  });
});
