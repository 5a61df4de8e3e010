import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/** Where the built console's hashed assets are, under its root (Vite's `build.assetsDir`). */
export const CONSOLE_ASSETS = 'assets';

/**
 * What the console's page may load and call: only the gateway itself, plus the object URLs it
 * makes for media it renders (images, audio, video, downloads). Styles may be inline (uPlot and
 * the viewers size their elements with style attributes).
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web console (apps/console, built by `npm run build` into `dir`) at `/`: its hashed
 * assets for a year (immutable: a new build has new names), its page never from a cache without
 * asking (`no-cache`, so a new build is seen at once), Brotli or gzip twins when the browser takes
 * them. One route per file found at start (no wildcard), so every other path stays the API's 404.
 * Not built: a warning and no console, the API unchanged.
 */
export async function installConsole(
  app: NestFastifyApplication,
  dir: string,
  logger: Logger,
): Promise<boolean> {
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn({ dir }, 'the web console is not built (npm run build): / serves nothing');
    return false;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    // `/` below: with preCompressed, the plugin's own index route answers 404 to a browser
    // that accepts Brotli (it looks for `/index.html.br` under the wrong name).
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      const asset = path.startsWith(join(dir, CONSOLE_ASSETS));
      void reply.header('cache-control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (!asset) void reply.header('content-security-policy', CONSOLE_CSP);
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_request, reply) => reply.sendFile('index.html'));
  return true;
}
