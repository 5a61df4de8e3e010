// (b) Bare Fastify + BullMQ: the floor for any queued design. The route validates the body,
// adds one job and waits for a no-op worker (same process) to finish it, through one shared
// QueueEvents; then answers the same JSON as (a). Job options mirror omnigate's hop jobs
// (priority, attempts, backoff, removeOnComplete/removeOnFail), so Redis does the same kind of work.
import Fastify from 'fastify';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { badRequest, completed, echo, loadContracts, newRecord } from '../lib/shared.mjs';

const { InferRequestSchema } = loadContracts();
const REDIS_URL = process.env.REDIS_URL;
const prefix = process.env.QUEUE_PREFIX ?? 'bench-bare';
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 64);
const QUEUE = 'builtin.echo';

const connection = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE, { connection: connection(), prefix });
const events = new QueueEvents(QUEUE, { connection: connection(), prefix });
const worker = new Worker(
  QUEUE,
  async (job) => {
    const startedAt = Date.now();
    return { ...echo(job.data.text), startedAt, finishedAt: Date.now() };
  },
  { connection: connection(), prefix, concurrency },
);
await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
// Each waitUntilFinished listens on the shared QueueEvents while it waits: 32 at a time is normal.
events.setMaxListeners(0);
queue.setMaxListeners(0);

const app = Fastify({ logger: false });
app.get('/health/ready', async () => ({ status: 'ok', queue: 'bullmq' }));

app.post('/v1/infer', async (req, reply) => {
  const parsed = InferRequestSchema.safeParse(req.body);
  if (!parsed.success) return badRequest(reply, parsed.error);
  const record = newRecord(parsed.data);
  const job = await queue.add(
    'hop',
    {
      jobId: record.id,
      hop: 0,
      adapter: QUEUE,
      task: 'echo',
      text: record.text,
      output: { modality: 'text' },
    },
    {
      jobId: `${record.id}-0`,
      priority: 5,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    },
  );
  const result = await job.waitUntilFinished(events, 30_000);
  return reply.send(completed(record, result, result.startedAt, result.finishedAt));
});

await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await app.close();
    await worker.close();
    await Promise.all([events.close(), queue.close()]);
    process.exit(0);
  });
}
