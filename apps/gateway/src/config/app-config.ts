import type { InputLimits, SystemToolPaths } from '@omnigate/adapters';
import { openAiBackendsFromEnv, type OpenAiBackend } from '@omnigate/contracts';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseApiKeys, type ApiKey } from '../auth/api-keys';
import { blobStoreFromEnv, type BlobStoreConfig } from '../blobs/blob-store-config';
import { WORK_LANES, type WorkLane } from '../jobs/work-lanes';
import { tracingFromEnv, type TracingConfig } from '../tracing/tracing-config';
import { plannerConfig, type PlannerConfig } from './planner-config';
import { redisTopologyFromEnv, type RedisTopology } from './redis-topology';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()));

/** Every environment variable the gateway reads, with its default. README's table mirrors this. */
const EnvSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Checked by parseTrustProxy: `true`, a hop count, or a comma list of addresses and CIDRs. */
  TRUST_PROXY: z.string().optional(),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  QUEUE_DRIVER: z.enum(['auto', 'bullmq', 'inline']).default('auto'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('omnigate'),
  WORKER_ADAPTERS: csv.default([]),
  WORKER_LANES: csv
    .pipe(
      z
        .array(
          z.enum(WORK_LANES, {
            error: (issue) => `${String(issue.input)} is not a lane (${WORK_LANES.join(', ')})`,
          }),
        )
        .min(1, `name at least one lane (${WORK_LANES.join(', ')})`),
    )
    .transform((lanes) => [...new Set(lanes)])
    .default([...WORK_LANES]),
  /** Lowered OS priority (nice) of the whole process: 0 (unchanged) to 19 (lowest). */
  WORKER_NICE: int(0, 19).default(0),
  DISPATCH: z.enum(['auto', 'queue']).default('auto'),
  DIRECT_MAX_HOPS: int(1, 100_000).default(64),
  ADAPTER_MODULES: csv.default([]),
  SANDBOX_ADAPTER_MODULES: csv.default([]),
  SANDBOX_PROCESSES: int(0, 256).default(Math.max(2, availableParallelism())),
  SANDBOX_MAX_HEAP_MB: int(64, 1_048_576).default(1024),
  SANDBOX_MAX_RSS_MB: int(128, 1_048_576).default(2048),
  SANDBOX_CPU_BUDGET_MS: int(100, 3_600_000).default(60_000),
  /** Checked by openAiBackendsFromEnv (contracts), which knows their shape. */
  OPENAI_BACKENDS: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  PLANNER: z.enum(['graph', 'llm']).default('graph'),
  /** Checked by plannerConfig against the backends: a chat adapter's id or its model. */
  PLANNER_MODEL: z.string().trim().min(1).max(256).optional(),
  /** Checked by parseApiKeys, which hashes the keys and never quotes them in an error. */
  API_KEYS: z.string().optional(),
  BLOB_DIR: z.string().min(1).default('.data/blobs'),
  BLOB_MAX_BYTES: int(1).default(512 * 1024 * 1024),
  BLOB_TTL_S: int(60).default(7 * 24 * 3600),
  BLOB_JOB_TIER_MAX_BYTES: int(0, 16 * 1024 * 1024).default(64 * 1024),
  MAX_BODY_BYTES: int(1024).default(64 * 1024 * 1024),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(30_000),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 24 * 3_600_000).default(300_000),
  ROUTE_MAX_HOPS: int(1, 8).default(3),
  ROUTE_MAX_FALLBACKS: int(0, 8).default(2),
  BREAKER_FAILURES: int(1, 1000).default(5),
  BREAKER_COOLDOWN_MS: int(100, 3_600_000).default(30_000),
  ADAPTER_PROBE_MS: int(100, 3_600_000).default(10_000),
  SYNC_TIMEOUT_MS: int(1, 600_000).default(30_000),
  JOB_ATTEMPTS: int(1, 20).default(3),
  JOB_BACKOFF_MS: int(0, 600_000).default(1000),
  JOB_TTL_S: int(60).default(24 * 3600),
  RESPONSES_TTL_S: int(60).default(30 * 24 * 3600),
  QUEUE_LOCK_MS: int(1000, 3_600_000).default(30_000),
  QUEUE_STALLED_INTERVAL_MS: int(500, 3_600_000).default(30_000),
  REDIS_COMMAND_TIMEOUT_MS: int(100, 60_000).default(2000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  FFPROBE_PATH: z.string().min(1).optional(),
  BUILTIN_MODELS: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  TEXT2WAVE_PATH: z.string().min(1).optional(),
  POCKETSPHINX_PATH: z.string().min(1).optional(),
  TESSDATA_PREFIX: z.string().min(1).optional(),
  PROBE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  LIMIT_IMAGE_PIXELS: int(1).default(100_000_000),
  LIMIT_MEDIA_DURATION_S: int(1).default(3 * 3600),
  LIMIT_SIGNAL_VALUES: int(1).default(50_000_000),
  LIMIT_POINTS: int(1).default(20_000_000),
  LIMIT_TEXT_CHARS: int(1).default(10_000_000),
  BATCH_MAX_LINES: int(1).default(50_000),
  BATCH_MAX_BYTES: int(1).default(200 * 1024 * 1024),
  BATCH_PRIORITY: int(1, 10).default(8),
  BATCH_CONCURRENCY: int(1, 10_000).default(16),
  BATCH_LEASE_MS: int(1000, 3_600_000).default(30_000),
  /** HMAC key for webhooks that bring no `secret` of their own; never logged, never echoed. */
  WEBHOOK_SECRET: z.string().min(16).optional(),
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  WEBHOOK_ATTEMPTS: int(1, 20).default(6),
  WEBHOOK_BACKOFF_MS: int(0, 600_000).default(1000),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  QUEUE_DASHBOARD: z.enum(['off', 'read-only', 'read-write']).default('read-only'),
  CONSOLE: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  CONSOLE_DIR: z.string().min(1).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

/** The typed configuration tree, built once at start-up. */
export interface AppConfig {
  /**
   * `trustProxy`: whose X-Forwarded-* headers are believed (default: nobody's); how long a
   * client may take to send a request's headers, and all of it (body included).
   */
  http: {
    port: number;
    host: string;
    maxBodyBytes: number;
    trustProxy: TrustProxy;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
  };
  role: 'api' | 'worker' | 'all';
  /** The nice value the process gives itself at start-up (WORKER_NICE): 0 leaves it as it is. */
  nice: number;
  /** `maxFallbacks`: other routes a job may try when a hop keeps failing retryably. */
  routing: { maxHops: number; maxFallbacks: number };
  /** When an adapter's circuit breaker opens, and for how long. */
  breaker: { failures: number; cooldownMs: number };
  /** How often registered remote adapters are probed (GET {url}/health). */
  adapterProbeMs: number;
  /** npm packages or paths whose adapters load at start-up, beside the built-in ones. */
  adapterModules: string[];
  /**
   * Where built-in adapters (and those of `modules`) run: sandbox processes, `processes` at a
   * time, each under a heap and a memory ceiling and a CPU budget per hop; `processes: 0` runs
   * them in the gateway's own process.
   */
  sandbox: {
    processes: number;
    maxHeapMb: number;
    maxRssMb: number;
    cpuBudgetMs: number;
    modules: string[];
  };
  /** OpenAI-compatible backends (OPENAI_BACKENDS, or OPENAI_API_KEY alone); each yields adapters. */
  openAiBackends: OpenAiBackend[];
  /** The LLM planner (PLANNER, PLANNER_MODEL): off unless a chat adapter is named. */
  planner: PlannerConfig;
  /** API_KEYS, held as sha256 digests; empty: every route is open. */
  auth: { apiKeys: ApiKey[] };
  queue: {
    driver: 'auto' | 'bullmq' | 'inline';
    redisUrl: string;
    /** One server (REDIS_URL), a Redis Cluster or Sentinels (config/redis-topology.ts). */
    redisTopology: RedisTopology;
    prefix: string;
    workerAdapters: string[];
    /**
     * The lanes this process works (WORKER_LANES): their hops, with the adapters it serves, and
     * for `batch` the batch runner too. Both by default.
     */
    workerLanes: WorkLane[];
    /** `auto`: a sync job whose hops this process serves with a free slot runs here, without the queue. */
    dispatch: 'auto' | 'queue';
    /** Hops the direct lane runs at once in this process, all adapters together; more take the queue. */
    directMaxHops: number;
    attempts: number;
    backoffMs: number;
    jobTtlS: number;
    /** How long a worker's hold on a running hop lasts unrenewed (BullMQ lockDuration). */
    lockMs: number;
    /** How often workers look for hops whose worker died (BullMQ stalledInterval). */
    stalledIntervalMs: number;
    /** How long a request waits for Redis to answer before it gets 503 (REDIS_COMMAND_TIMEOUT_MS). */
    commandTimeoutMs: number;
    syncTimeoutMs: number;
    shutdownTimeoutMs: number;
  };
  /** `store`: BLOB_STORE and its S3_* variables (blobs/blob-store-config.ts). */
  blobs: { dir: string; maxBytes: number; ttlS: number; jobTierMaxBytes: number; store: BlobStoreConfig };
  /** Stored responses (`/v1/responses` with `store`): kept this long for retrieval and follow-ups. */
  responses: { ttlS: number };
  probe: { ffprobePath?: string; timeoutMs: number };
  /** What one input may hold, checked from its metadata before anything decodes it. */
  limits: InputLimits;
  /**
   * Built-in adapters: `models` (BUILTIN_MODELS) says whether those that load a model into the
   * worker process exist; `tools` where to find the optional system packages (TEXT2WAVE_PATH,
   * POCKETSPHINX_PATH, TESSDATA_PREFIX; a path that names no file turns that tool off).
   */
  builtins: { models: boolean; tools: SystemToolPaths };
  /**
   * Batches (`/v1/batches`): input limits, the queue priority of their lines (1 first, higher
   * later; interactive requests default to 5), lines in flight per batch, and how long a
   * process's claim on a batch it runs lasts without renewal.
   */
  /**
   * Job webhooks: the default signing secret, whether private and loopback addresses may be
   * called, tries per delivery and the first retry's wait (doubling), and each try's time limit.
   */
  webhooks: {
    secret?: string;
    allowPrivate: boolean;
    attempts: number;
    backoffMs: number;
    timeoutMs: number;
  };
  batches: { maxLines: number; maxBytes: number; priority: number; concurrency: number; leaseMs: number };
  logLevel: Env['LOG_LEVEL'];
  /**
   * Prometheus metrics (`METRICS`): off, no `/metrics` route, no HTTP hook, no default
   * collectors (the in-process counters hops and jobs update are kept, never read).
   */
  metrics: boolean;
  /**
   * Bull Board at `/admin/queues` (QUEUE_DASHBOARD), on the processes that serve the API with
   * the BullMQ driver: `read-only` shows the queues and their jobs, `read-write` also lets an
   * operator retry, remove, promote, clean and pause; `off` mounts nothing.
   */
  queueDashboard: 'off' | 'read-only' | 'read-write';
  /**
   * The web console at `/` (CONSOLE, on by default, on the processes that serve the API), from
   * the built files in `dir` (CONSOLE_DIR, default `dist/console` under the working directory).
   */
  console: { enabled: boolean; dir: string };
  /** OpenTelemetry tracing, from the standard OTEL_* variables (tracing/tracing-config.ts); absent: off. */
  tracing?: TracingConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; a bad value stops start-up with the variable's name in the message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = EnvSchema.safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`, { cause: parsed.error });
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  let openAiBackends: OpenAiBackend[];
  try {
    openAiBackends = openAiBackendsFromEnv(env);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`, { cause: err });
  }
  let planner: PlannerConfig;
  try {
    planner = plannerConfig(e.PLANNER, e.PLANNER_MODEL, openAiBackends);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  let trustProxy: TrustProxy = false;
  try {
    if (e.TRUST_PROXY !== undefined) trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (err) {
    throw new ConfigError(`invalid configuration: TRUST_PROXY: ${(err as Error).message}`, { cause: err });
  }
  let tracing: TracingConfig | undefined;
  try {
    tracing = tracingFromEnv(env);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  let redisTopology: RedisTopology;
  try {
    redisTopology = redisTopologyFromEnv(env);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  let apiKeys: ApiKey[] = [];
  try {
    if (e.API_KEYS !== undefined) apiKeys = parseApiKeys(e.API_KEYS);
  } catch (err) {
    // No cause: it could quote the value, and main prints a start-up error's cause.
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  const blobStore = blobStoreConfig(env, e.BLOB_MAX_BYTES);
  return {
    http: {
      port: e.PORT,
      host: e.HOST,
      maxBodyBytes: e.MAX_BODY_BYTES,
      trustProxy,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    },
    role: e.ROLE,
    nice: e.WORKER_NICE,
    routing: { maxHops: e.ROUTE_MAX_HOPS, maxFallbacks: e.ROUTE_MAX_FALLBACKS },
    adapterModules: e.ADAPTER_MODULES,
    sandbox: {
      processes: e.SANDBOX_PROCESSES,
      maxHeapMb: e.SANDBOX_MAX_HEAP_MB,
      maxRssMb: e.SANDBOX_MAX_RSS_MB,
      cpuBudgetMs: e.SANDBOX_CPU_BUDGET_MS,
      modules: e.SANDBOX_ADAPTER_MODULES,
    },
    openAiBackends,
    planner,
    auth: { apiKeys },
    breaker: { failures: e.BREAKER_FAILURES, cooldownMs: e.BREAKER_COOLDOWN_MS },
    adapterProbeMs: e.ADAPTER_PROBE_MS,
    queue: {
      driver: e.QUEUE_DRIVER,
      redisUrl: e.REDIS_URL,
      redisTopology,
      prefix: e.QUEUE_PREFIX,
      workerAdapters: e.WORKER_ADAPTERS,
      workerLanes: e.WORKER_LANES,
      dispatch: e.DISPATCH,
      directMaxHops: e.DIRECT_MAX_HOPS,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      jobTtlS: e.JOB_TTL_S,
      lockMs: e.QUEUE_LOCK_MS,
      stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      syncTimeoutMs: e.SYNC_TIMEOUT_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    responses: { ttlS: e.RESPONSES_TTL_S },
    blobs: {
      dir: e.BLOB_DIR,
      maxBytes: e.BLOB_MAX_BYTES,
      ttlS: e.BLOB_TTL_S,
      jobTierMaxBytes: e.BLOB_JOB_TIER_MAX_BYTES,
      store: blobStore,
    },
    probe: { ...(e.FFPROBE_PATH ? { ffprobePath: e.FFPROBE_PATH } : {}), timeoutMs: e.PROBE_TIMEOUT_MS },
    limits: {
      imagePixels: e.LIMIT_IMAGE_PIXELS,
      mediaDurationS: e.LIMIT_MEDIA_DURATION_S,
      signalValues: e.LIMIT_SIGNAL_VALUES,
      points: e.LIMIT_POINTS,
      textChars: e.LIMIT_TEXT_CHARS,
    },
    builtins: {
      models: e.BUILTIN_MODELS,
      tools: {
        ...(e.TEXT2WAVE_PATH ? { text2wave: e.TEXT2WAVE_PATH } : {}),
        ...(e.POCKETSPHINX_PATH ? { pocketsphinx: e.POCKETSPHINX_PATH } : {}),
        ...(e.TESSDATA_PREFIX ? { tessdata: e.TESSDATA_PREFIX } : {}),
      },
    },
    webhooks: {
      ...(e.WEBHOOK_SECRET ? { secret: e.WEBHOOK_SECRET } : {}),
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      attempts: e.WEBHOOK_ATTEMPTS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    batches: {
      maxLines: e.BATCH_MAX_LINES,
      maxBytes: e.BATCH_MAX_BYTES,
      priority: e.BATCH_PRIORITY,
      concurrency: e.BATCH_CONCURRENCY,
      leaseMs: e.BATCH_LEASE_MS,
    },
    logLevel: e.LOG_LEVEL,
    metrics: e.METRICS,
    queueDashboard: e.QUEUE_DASHBOARD,
    console: { enabled: e.CONSOLE, dir: resolve(e.CONSOLE_DIR ?? join('dist', 'console')) },
    ...(tracing ? { tracing } : {}),
  };
}

/** S3 copies an object in one request up to 5 GiB: a blob must fit, as the S3 store renames by copy. */
const S3_COPY_MAX_BYTES = 5 * 1024 ** 3;

function blobStoreConfig(env: NodeJS.ProcessEnv, maxBytes: number): BlobStoreConfig {
  let store: BlobStoreConfig;
  try {
    store = blobStoreFromEnv(env);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  if (store.kind === 's3' && maxBytes > S3_COPY_MAX_BYTES) {
    throw new ConfigError(
      `invalid configuration: BLOB_MAX_BYTES: at most ${S3_COPY_MAX_BYTES} (5 GiB) with BLOB_STORE=s3`,
    );
  }
  return store;
}

export const APP_CONFIG = Symbol('AppConfig');
