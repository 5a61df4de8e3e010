// (e) Lean Fastify + BullMQ: the floor for omnigate's queue lane (issue 13). Per request: validate
// the body, one queue.add (no priority, no retries), and wait for the answer through a Map of
// waiters that one QueueEvents `completed`/`failed` listener feeds; a Worker in the same process
// echoes the text. Unlike (b), no job.waitUntilFinished (a listener pair per job plus an isFinished
// script per wait), no priority (BullMQ's prioritized set), no job kept after it completes.
import Fastify from 'fastify';
import { badRequest, completed, loadContracts, newRecord } from '../lib/shared.mjs';
import { echoQueue } from './echo-queue.mjs';

const { InferRequestSchema } = loadContracts();
const WAIT_MS = 30_000;
const { queue, events, closeOnSignal } = await echoQueue('bench-lean');

/** Waiting requests by job id. */
const waiters = new Map();
const settle = (jobId, outcome) => {
  const waiter = waiters.get(jobId);
  if (!waiter) return;
  waiters.delete(jobId);
  clearTimeout(waiter.timer);
  outcome(waiter);
};
events.on('completed', ({ jobId, returnvalue }) => settle(jobId, (w) => w.resolve(returnvalue)));
events.on('failed', ({ jobId, failedReason }) => settle(jobId, (w) => w.reject(new Error(failedReason))));

/** The job's return value; the waiter is in the map before the job exists, so no event can be missed. */
function run(jobId, data) {
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(jobId, (w) => w.reject(new Error('timed out'))), WAIT_MS);
    waiters.set(jobId, { resolve, reject, timer });
  });
  queue
    .add('hop', data, { jobId, removeOnComplete: true, removeOnFail: true })
    .catch((err) => settle(jobId, (w) => w.reject(err)));
  return done;
}

const app = Fastify({ logger: false });
app.get('/health/ready', async () => ({ status: 'ok', queue: 'bullmq' }));

app.post('/v1/infer', async (req, reply) => {
  const parsed = InferRequestSchema.safeParse(req.body);
  if (!parsed.success) return badRequest(reply, parsed.error);
  const record = newRecord(parsed.data);
  const result = await run(record.id, { text: record.text });
  return reply.send(completed(record, result, result.startedAt, result.finishedAt));
});

await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
closeOnSignal(app);
