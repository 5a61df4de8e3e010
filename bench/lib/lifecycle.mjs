// What a benchmark run owns (child processes, temp dirs, its Redis) and how it ends: on failure,
// on SIGINT/SIGTERM/SIGHUP, or however the process exits, nothing it started outlives it.
// Shared by bench/routes.mjs, bench/openai.mjs, bench/batch.mjs and bench/detect-upload.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stopChild } from './processes.mjs';

/**
 * `redis()` returns the run's Redis (from startRedis) once it is up. Gateways are the children
 * with a `blobDir`: they are stopped first (they use Redis and the other servers), and their
 * BLOB_DIR goes with them.
 */
export function benchRun({ redis }) {
  const children = new Set();
  const tempDirs = new Set();
  let cleaning;
  let interrupted = false;

  function mkTemp(prefix) {
    const dir = mkdtempSync(join(os.tmpdir(), prefix));
    tempDirs.add(dir);
    return dir;
  }

  /** Stops a gateway child (if still running) and removes its BLOB_DIR. */
  async function stopGateway(child) {
    if ((await stopChild(children, child)) && child.blobDir) {
      rmSync(child.blobDir, { recursive: true, force: true });
      tempDirs.delete(child.blobDir);
    }
  }

  /** Gateways first, then Redis's client and every other child; removes every temp dir. Runs once. */
  function cleanup() {
    cleaning ??= (async () => {
      for (const child of [...children].filter((c) => c.blobDir)) await stopGateway(child).catch(() => {});
      redis()?.client.disconnect();
      for (const child of [...children]) await stopChild(children, child).catch(() => {});
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
      tempDirs.clear();
    })();
    return cleaning;
  }

  /**
   * Runs `main`; a failure, an uncaught error or a signal cleans up and exits (1, or 130 when
   * interrupted). `onFailure` says more about a failure first (e.g. a log's last lines).
   */
  function start(main, { onFailure = () => {} } = {}) {
    main().catch(async (err) => {
      if (!interrupted) {
        console.error(`\nBENCH FAILED: ${err.stack ?? err}`);
        onFailure();
      }
      await cleanup();
      process.exit(interrupted ? 130 : 1);
    });
    for (const event of ['uncaughtException', 'unhandledRejection']) {
      process.once(event, async (err) => {
        console.error(`\nBENCH FAILED (${event}): ${err?.stack ?? err}`);
        await cleanup();
        process.exit(1);
      });
    }
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(signal, async () => {
        interrupted = true;
        console.error(`\n${signal}: stopping the gateway and redis, removing temp files`);
        await cleanup();
        process.exit(130);
      });
    }
    // Output piped into a reader that goes away (e.g. `| head`) must not kill the run before cleanup.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    // Last resort, whatever ends the process: no child and no temp dir outlives it.
    process.on('exit', () => {
      for (const child of children) child.proc.kill('SIGKILL');
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    });
  }

  return { children, mkTemp, stopGateway, cleanup, start };
}
