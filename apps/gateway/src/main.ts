import 'reflect-metadata';
import { createGateway } from './app.factory';
import { loadConfig } from './config/app-config';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = await createGateway(config, logger);
  // A worker listens too, for /health only, so orchestrators can probe it.
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ port: config.http.port, role: config.role }, 'omnigate listening');
}

main().catch((err: unknown) => {
  // Start-up failures (bad config, Redis required but down, bad adapter) end the process with the reason.
  console.error(err instanceof Error ? `omnigate failed to start: ${err.message}` : err);
  if (err instanceof Error && err.cause) console.error('cause:', err.cause);
  process.exit(1);
});
