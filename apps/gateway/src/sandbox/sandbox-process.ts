import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  SANDBOX_DATA_VARIABLE,
  type ChildMessage,
  type ParentMessage,
  type SandboxOutcome,
  type SandboxProcessData,
  type SandboxTask,
} from './sandbox-protocol';

/** Variables a sandbox process does not get: adapters on hostile input have no use for secrets. */
const WITHHELD_VARIABLES = ['API_KEYS', 'OPENAI_API_KEY', 'OPENAI_BACKENDS', 'WEBHOOK_SECRET', 'REDIS_URL'];
/** Linux's USER_HZ, the unit of utime and stime in /proc/<pid>/stat on every architecture. */
const CLOCK_TICKS_PER_S = 100;

/** Why a sandbox process stopped during a hop. */
export class SandboxExitError extends Error {
  override readonly name = 'SandboxExitError';
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    /** The V8 heap ran out (its fatal error, on the process's stderr). */
    readonly outOfHeap: boolean,
  ) {
    super(
      `the sandbox process exited ${signal ? `on ${signal}` : `with code ${String(code)}`}` +
        (outOfHeap ? ' (JavaScript heap out of memory)' : ''),
    );
  }
}

/** What a hop's messages are handed to while it runs. */
export interface HopHandlers {
  /** The hop was sent to a ready process: what it uses from now on is the hop's. */
  onStarted(): void;
  onMessage(message: HopMessage): void;
}

export type HopMessage = Exclude<ChildMessage, { type: 'done' | 'ready' }>;

/** CPU time (all its threads) and resident memory of a process, from /proc; undefined elsewhere. */
export interface ProcessUsage {
  cpuMs: number;
  rssBytes: number;
}

/**
 * One sandbox process: forked from sandbox-child in its own process group (so killing it takes
 * its ffmpeg children along), with a V8 heap ceiling, without the gateway's secrets, and running
 * one hop at a time. A process that dies is not reused; the pool forks another.
 */
export class SandboxProcess {
  private readonly child: ChildProcess;
  private hop?: { handlers: HopHandlers; done(outcome: SandboxOutcome): void; fail(err: Error): void };
  private stderrTail = '';
  private exit?: SandboxExitError;
  private ready = false;
  /** A hop handed over before the process was ready: sent once it is. */
  private pending?: SandboxTask;

  constructor(data: SandboxProcessData, maxHeapMb: number, logger: Logger) {
    const entry = childEntry();
    const env: NodeJS.ProcessEnv = { ...process.env, [SANDBOX_DATA_VARIABLE]: JSON.stringify(data) };
    for (const name of WITHHELD_VARIABLES) delete env[name];
    this.child = fork(entry.filename, [], {
      execArgv: [`--max-old-space-size=${maxHeapMb}`, ...entry.execArgv],
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const log = logger.child({ sandboxPid: this.child.pid });
    this.child.stdout?.on('data', (chunk: Buffer) =>
      log.warn({ output: clip(chunk) }, 'sandbox process wrote to stdout'),
    );
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4096);
      log.warn({ output: clip(chunk) }, 'sandbox process wrote to stderr');
    });
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        this.ready = true;
        if (this.pending) this.start(this.pending);
        this.pending = undefined;
        return;
      }
      if (!this.hop) {
        // Between hops only a module's start-up logs arrive.
        if (message.type === 'log') log[message.level](message.fields, message.msg);
        return;
      }
      if (message.type === 'done') this.hop.done(message.outcome);
      else this.hop.handlers.onMessage(message);
    });
    this.child.on('error', (err) => log.error({ err }, 'sandbox process failed'));
    this.child.on('exit', (code, signal) => {
      this.exit = new SandboxExitError(code, signal, this.stderrTail.includes('heap out of memory'));
      this.hop?.fail(this.exit);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process has exited (or was killed): it takes no more hops. */
  get alive(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs a hop; rejects with SandboxExitError if the process exits before it answers. */
  run(task: SandboxTask, handlers: HopHandlers): Promise<SandboxOutcome> {
    if (this.hop) throw new Error('a sandbox process runs one hop at a time');
    return new Promise<SandboxOutcome>((resolve, reject) => {
      const settle = () => (this.hop = undefined);
      this.hop = {
        handlers,
        done: (outcome) => (settle(), resolve(outcome)),
        fail: (err) => (settle(), reject(err)),
      };
      if (this.exit) return this.hop.fail(this.exit);
      if (this.ready) this.start(task);
      else this.pending = task;
    });
  }

  private start(task: SandboxTask): void {
    this.hop?.handlers.onStarted();
    this.send({ type: 'run', task });
  }

  send(message: ParentMessage): void {
    if (this.alive && this.child.connected) this.child.send(message);
  }

  usage(): ProcessUsage | undefined {
    return this.child.pid === undefined ? undefined : readUsage(this.child.pid);
  }

  /** Kills the process and its process group (the ffmpeg it started) at once. */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

function readUsage(pid: number): ProcessUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const at = status.indexOf('VmRSS:');
    const rssKb = at === -1 ? 0 : Number.parseInt(status.slice(at + 6).trimStart(), 10);
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The child's entry beside this file. Run from TypeScript sources (the tests), the child loads
 * them through tsx, as the gateway's own loader does not reach into another process.
 */
function childEntry(): { filename: string; execArgv: string[] } {
  const extension = extname(__filename);
  return {
    filename: join(__dirname, `sandbox-child${extension}`),
    execArgv: extension === '.ts' ? ['--import', 'tsx'] : [],
  };
}

function clip(chunk: Buffer): string {
  return chunk.toString('utf8', 0, Math.min(chunk.length, 2048));
}
