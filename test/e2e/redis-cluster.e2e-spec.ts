// Issue 17: the e2e suites for inference and for adapters registered at runtime, run again with
// every gateway on a three-master Redis Cluster started here (REDIS_CLUSTER_NODES), plus hops
// through the BullMQ queues (DISPATCH=queue) and a batch, which the in-process direct lane of
// those suites skips. The batch suite with its worker killed runs on a cluster in
// redis-cluster-batches.e2e-spec.ts. OMNIGATE_TEST_REDIS=cluster runs any suite on a cluster.
import { Cluster } from 'ioredis';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_BACKEND, type JobBackend } from '../../apps/gateway/src/queue/job-backend';
import { fixture } from '../fixtures';
import { startGateway } from '../gateway-harness';
import { clusterKeys, startRedisCluster, type RedisCluster } from '../redis-cluster';
import { useRedis } from '../test-redis';
// Run again here, after this file's root hooks: on the cluster.
import './infer.e2e-spec';
import './registration.e2e-spec';

let cluster: RedisCluster | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster();
  useRedis({ REDIS_CLUSTER_NODES: cluster.nodes });
});
afterAll(async () => {
  try {
    // Every suite of this file ran on the cluster: the job records of each one's gateways are
    // there under their prefixes (the one above, infer's, registration's two sharing one).
    const keys = await clusterKeys(cluster!, '{test-*:jobs}:job:*');
    const prefixes = new Set(keys.map((k) => k.slice(1, k.indexOf(':jobs}'))));
    expect(prefixes.size).toBeGreaterThanOrEqual(3);
  } finally {
    await cluster?.stop();
  }
});

describe('a gateway on a Redis Cluster', () => {
  it('runs hops through the queues and a batch to its end', async () => {
    const gw = await startGateway({ DISPATCH: 'queue' });
    try {
      expect(gw.app.get<JobBackend>(JOB_BACKEND).state).toMatchObject({
        kind: 'redis',
        redis: expect.any(Cluster),
      });
      // Two hops (a CSV signal → text → image), each through its adapter's queue.
      const res = await fetch(`${gw.url}/v1/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ data: fixture('signal/mitdb-100-ecg-10s.csv').toString('base64'), filename: 'ecg.csv' }],
          output: { modality: 'image' },
          adapter: 'builtin.render',
        }),
      });
      expect(res.status).toBe(200);
      const job = (await res.json()) as { status: string; route: { adapter: string }[] };
      expect(job.status).toBe('completed');
      expect(job.route.map((r) => r.adapter)).toEqual(['builtin.signal', 'builtin.render']);

      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const lines = [0, 1, 2].map((i) =>
        JSON.stringify({
          custom_id: `c-${i}`,
          method: 'POST',
          url: '/v1/infer',
          body: { inputs: [{ text: `line ${i}` }], output: { modality: 'text' }, task: 'echo' },
        }),
      );
      const file = await client.files.create({
        file: await toFile(Buffer.from(lines.join('\n')), 'in.jsonl'),
        purpose: 'batch',
      });
      let batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/infer' as never,
        completion_window: '24h',
      });
      await expect
        .poll(async () => (batch = await client.batches.retrieve(batch.id)).status, { timeout: 20_000 })
        .toBe('completed');
      expect(batch.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      const output = await (await client.files.content(batch.output_file_id!)).text();
      expect(output.trim().split('\n')).toHaveLength(3);
      expect((await client.batches.list()).data.map((b) => b.id)).toContain(batch.id);
    } finally {
      await gw.close();
    }
  });
});
