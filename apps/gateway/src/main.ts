import 'reflect-metadata';
import { createGateway, VERSION } from './app.factory';
import { loadConfig } from './config/app-config';
import { lowerPriority } from './config/process-priority';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Before anything starts: the sandbox processes and threads started later inherit it.
  if (config.nice > 0)
    logger.info({ nice: lowerPriority(config.nice) }, 'process priority lowered (WORKER_NICE)');
  // Before the app: its spans (HTTP requests, hops) need the SDK registered. Loaded only when
  // configured: without tracing the SDK and its exporters are never read.
  const tracing = config.tracing
    ? (await import('./tracing/tracing-sdk.js')).startTracing(config.tracing, VERSION, logger)
    : undefined;
  const app = await createGateway(config, logger);
  // A worker listens too, for /health only, so orchestrators can probe it.
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ port: config.http.port, role: config.role }, 'omnigate listening');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing active jobs and requests');
    // A stuck client or job must not keep the process alive past the grace period.
    setTimeout(() => {
      logger.error({ graceMs: config.queue.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.queue.shutdownTimeoutMs + 5000).unref();
    // The spans buffered last (the close's own requests and hops) are exported before the exit.
    app
      .close()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  // Start-up failures (bad config, Redis required but down, bad adapter) end the process with the reason.
  console.error(err instanceof Error ? `omnigate failed to start: ${err.message}` : err);
  if (err instanceof Error && err.cause) console.error('cause:', err.cause);
  process.exit(1);
});
