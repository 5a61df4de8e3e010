// Issue 17: the batch suite whose worker process is killed mid-batch, run again with the API
// and worker processes on a three-master Redis Cluster started here (it spawns dist: npm run
// build first). The hop queues, the job records and the batch's keys are on different slots.
import { afterAll, beforeAll, expect } from 'vitest';
import { clusterKeys, startRedisCluster, type RedisCluster } from '../redis-cluster';
import { useRedis } from '../test-redis';
// Run again here, after this file's root hooks: on the cluster.
import './batch-worker-kill.e2e-spec';

let cluster: RedisCluster | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster();
  useRedis({ REDIS_CLUSTER_NODES: cluster.nodes });
});
afterAll(async () => {
  try {
    // The suite ran on the cluster: its batch lane's hop queue and its batch are there.
    const on = (pattern: string) => clusterKeys(cluster!, pattern);
    expect(await on('{test-*:hop:test.typist@batch}:test.typist@batch:completed')).toHaveLength(1);
    expect(await on('{test-*:batches}:batch:*')).not.toHaveLength(0);
  } finally {
    await cluster?.stop();
  }
});
