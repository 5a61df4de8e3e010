import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { WORK_LANES } from '../jobs/work-lanes';
import type { JobBackend } from './job-backend';
import { InlineJobBackend } from './inline-job-backend';
import { RedisJobBackend } from './redis-job-backend';

/** Chooses the queue driver: `bullmq` needs Redis, `inline` runs in-process, `auto` tries Redis first. */
export async function createJobBackend(config: AppConfig, logger: Logger): Promise<JobBackend> {
  const { driver } = config.queue;
  if (driver === 'inline' || driver === 'auto') {
    if (driver === 'inline') return inline(config, logger);
    try {
      return await RedisJobBackend.connect({ ...config.queue, connectTimeoutMs: 2000 }, logger);
    } catch (err) {
      logger.warn(
        { err, redis: whereRedisIs(config.queue) },
        'QUEUE_DRIVER=auto: Redis does not answer, so jobs run IN-PROCESS: they do not survive a restart and no other process can take them. Start Redis or set QUEUE_DRIVER=bullmq for production.',
      );
      return inline(config, logger);
    }
  }
  try {
    return await RedisJobBackend.connect(config.queue, logger);
  } catch (err) {
    throw new Error(`QUEUE_DRIVER=bullmq but Redis at ${whereRedisIs(config.queue)} does not answer`, {
      cause: err,
    });
  }
}

function inline(config: AppConfig, logger: Logger): JobBackend {
  if (config.role !== 'all') {
    throw new Error(
      `ROLE=${config.role} needs a shared queue: the in-process driver only works with ROLE=all`,
    );
  }
  if (config.queue.workerLanes.length < WORK_LANES.length) {
    throw new Error(
      `WORKER_LANES=${config.queue.workerLanes.join(',')} needs a shared queue: the in-process driver works every lane in one process`,
    );
  }
  return new InlineJobBackend(config.queue, logger);
}

/** Where Redis was looked for, as the variable that says it (a password in REDIS_URL hidden). */
function whereRedisIs(queue: AppConfig['queue']): string {
  const nodes = (list: { host: string; port: number }[]) => list.map((n) => `${n.host}:${n.port}`).join(',');
  const topology = queue.redisTopology;
  if (topology.kind === 'cluster') return `REDIS_CLUSTER_NODES=${nodes(topology.nodes)}`;
  if (topology.kind === 'sentinel') {
    return `REDIS_SENTINELS=${nodes(topology.sentinels)} (master ${topology.name})`;
  }
  return `REDIS_URL=${redactUrl(queue.redisUrl)}`;
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
