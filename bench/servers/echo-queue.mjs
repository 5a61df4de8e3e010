// What the BullMQ floors (b) and (e) share: the builtin.echo queue, its QueueEvents and a Worker
// in the same process that echoes the text (REDIS_URL, QUEUE_PREFIX, WORKER_CONCURRENCY), and a
// shutdown on SIGTERM/SIGINT that closes the server first and the queue after it.
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { echo } from '../lib/shared.mjs';

export const QUEUE = 'builtin.echo';

/** The queue, its events and worker, once all three are ready. */
export async function echoQueue(defaultPrefix) {
  const prefix = process.env.QUEUE_PREFIX ?? defaultPrefix;
  const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 64);
  const connection = () => new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
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
  const closeOnSignal = (app) => {
    for (const signal of ['SIGTERM', 'SIGINT']) {
      process.once(signal, async () => {
        await app.close();
        await worker.close();
        await Promise.all([events.close(), queue.close()]);
        process.exit(0);
      });
    }
  };
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  return { queue, events, closeOnSignal };
}
