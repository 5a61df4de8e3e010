import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';

/** An s3rver child of the test (an S3-speaking server keeping its objects in a folder), on 127.0.0.1. */
export interface S3Server {
  port: number;
  endpoint: string;
  bucket: string;
  /** The folder its buckets live in (objects are files under `<dir>/<bucket>/`). */
  dir: string;
  /** The environment a gateway needs to use it (BLOB_STORE=s3 and its S3_* and AWS_* variables). */
  env: Record<string, string>;
  /** Kills it (SIGKILL: clients see refused connections) and waits for it to exit. */
  kill(): Promise<void>;
  /** After `kill`: starts it again on the same port and folder (what it held is back). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/**
 * In a process of its own, so that it can be killed like a crashed server and so that its memory
 * is not the test's. It prints `ready` once it listens.
 */
const MAIN = `
const S3rver = require('s3rver');
const [port, dir, bucket] = process.argv.slice(1);
new S3rver({ port: Number(port), address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: bucket }] })
  .run()
  .then(() => process.stdout.write('ready\\n'), (err) => { console.error(err); process.exit(1); });
`;

/** Starts s3rver on a free port with one bucket; resolves once it listens. */
export async function startS3Server(bucket = 'omnigate-test'): Promise<S3Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-s3-'));
  const launch = () =>
    new Promise<{ child: ChildProcess; exited: Promise<void> }>((ready, fail) => {
      // The repository's root: where `require('s3rver')` finds it.
      const child = spawn(process.execPath, ['-e', MAIN, String(port), dir, bucket], {
        cwd: resolve(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.once('exit', (code) => fail(new Error(`s3rver exited with code ${code}`)));
      child.stdout!.once('data', () => ready({ child, exited }));
    });
  let running = await launch();
  const kill = async () => {
    const { child, exited } = running;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    bucket,
    dir,
    env: {
      BLOB_STORE: 's3',
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      // s3rver's default account.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    kill,
    start: async () => {
      const { child } = running;
      if (child.exitCode === null && child.signalCode === null) return;
      running = await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
