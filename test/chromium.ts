import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';

/** Debian's Chromium (`apt-get install chromium`); browser tests are skipped without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** One page of a headless Chromium, driven over the DevTools protocol. */
export interface ChromiumPage {
  /** Sends a protocol command (`Page.navigate`...) and resolves with its result. */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Calls `listener` with the params of every `event` (`Fetch.authRequired`...). */
  on(event: string, listener: (params: Record<string, unknown>) => void): void;
  /** The value of a JavaScript expression evaluated in the page. */
  evaluate<T>(expression: string): Promise<T>;
}

export interface Chromium {
  page: ChromiumPage;
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium with a fresh profile and connects to its first page, without
 * Playwright (not a dependency): the protocol over a WebSocket (undici's) is all the tests need.
 */
export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'omnigate-chromium-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      // Root in a container has no user namespace for the sandbox.
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      `--window-size=${viewport.width},${viewport.height}`,
      'about:blank',
    ],
    // A process group of its own: its helper processes (renderer, GPU, crash handler) end with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL');
    }
    await exited;
    // A helper may still be closing a file of the profile.
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    const browserUrl = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${stderr}`)), 20_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}): ${stderr}`)));
    });
    const { host } = new URL(browserUrl);
    const targets = (await (await fetch(`http://${host}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = targets.find((t) => t.type === 'page');
    if (!target) throw new Error('Chromium has no page');
    const page = await connect(target.webSocketDebuggerUrl);
    return { page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function connect(url: string): Promise<ChromiumPage> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
    };
    if (message.id !== undefined) {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) call?.reject(new Error(message.error.message));
      else call?.resolve(message.result);
    } else if (message.method) {
      for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
    }
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    send,
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    async evaluate<T>(expression: string) {
      const { result, exceptionDetails } = await send<{
        result: { value: T };
        exceptionDetails?: { text: string };
      }>('Runtime.evaluate', { expression, returnByValue: true });
      if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.text}`);
      return result.value;
    },
  };
}
