// (b) Bare Fastify + BullMQ: the floor for any queued design. The route validates the body,
// adds one job and waits for a no-op worker (same process) to finish it, through one shared
// QueueEvents; then answers the same JSON as (a). Job options mirror omnigate's hop jobs
// (priority, attempts, backoff, removeOnComplete/removeOnFail), so Redis does the same kind of work.
import Fastify from 'fastify';
import { badRequest, completed, loadContracts, newRecord } from '../lib/shared.mjs';
import { echoQueue, QUEUE } from './echo-queue.mjs';

const { InferRequestSchema } = loadContracts();
const { queue, events, closeOnSignal } = await echoQueue('bench-bare');
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
closeOnSignal(app);
