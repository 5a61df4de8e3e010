/**
 * The entry point of a sandbox process (forked by SandboxProcess): builds the sandboxed
 * adapters once, then runs the hops the gateway sends, one at a time. Everything an adapter
 * needs from the gateway (its inputs' bytes, progress, text deltas, logs) crosses the IPC
 * channel; the gateway watches this process's CPU time and memory and kills it on a breach.
 */
import { Readable } from 'node:stream';
import {
  createBuiltinAdapters,
  type Adapter,
  type AdapterContext,
  type AdapterLogger,
} from '@omnigate/adapters';
import type { Logger } from 'pino';
import { loadAdapterModules } from '../adapters/adapter-modules';
import {
  SANDBOX_DATA_VARIABLE,
  cloneable,
  deserializeError,
  serializeError,
  type ChildMessage,
  type LogLevel,
  type ParentMessage,
  type SandboxProcessData,
  type SandboxTask,
} from './sandbox-protocol';

const send = (message: ChildMessage) => process.send?.(message);
const adapters = buildAdapters(JSON.parse(process.env[SANDBOX_DATA_VARIABLE] ?? '{}') as SandboxProcessData);
// Ready either way: a module that fails to load here loaded in the gateway; its hops fail with the reason.
adapters.then(
  () => send({ type: 'ready' }),
  () => send({ type: 'ready' }),
);

/** The hop running now: its abort and the blob reads it waits for. */
let hop:
  | { abort: AbortController; reads: Map<number, { resolve(data: Buffer): void; reject(err: Error): void }> }
  | undefined;

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'run':
      void run(message.task);
      return;
    case 'abort':
      hop?.abort.abort(Object.assign(new Error(message.reason), { name: 'AbortError' }));
      return;
    case 'blob':
      hop?.reads
        .get(message.id)
        ?.resolve(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
      hop?.reads.delete(message.id);
      return;
    case 'blob-error':
      hop?.reads.get(message.id)?.reject(deserializeError(message.error));
      hop?.reads.delete(message.id);
      return;
  }
});
// The gateway went away: nothing is left to answer to.
process.on('disconnect', () => process.exit(0));
// What an adapter throws outside its promise ends this process; the hop's answer says why.
process.on('uncaughtException', (err) => {
  send({ type: 'done', outcome: { ok: false, error: serializeError(err) } });
  process.exit(70);
});

async function run(task: SandboxTask): Promise<void> {
  const current = { abort: new AbortController(), reads: new Map() };
  hop = current;
  let nextRead = 0;
  const read = (blobId: string) => {
    const sent = Object.hasOwn(task.blobs, blobId) ? task.blobs[blobId] : undefined;
    if (sent) return Promise.resolve(Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength));
    return new Promise<Buffer>((resolve, reject) => {
      const id = nextRead++;
      current.reads.set(id, { resolve, reject });
      send({ type: 'read', id, blobId });
    });
  };
  const context: AdapterContext = {
    signal: current.abort.signal,
    progress: async (fraction) => void send({ type: 'progress', fraction }),
    blobs: {
      read,
      stream: (blobId) =>
        Readable.from(
          (async function* () {
            yield await read(blobId);
          })(),
        ),
    },
    logger: ipcLogger(),
    ...(task.streams ? { onTextDelta: (text: string) => void send({ type: 'delta', text }) } : {}),
    ...(task.traceHeaders ? { traceHeaders: task.traceHeaders } : {}),
  };
  try {
    const adapter = (await adapters).get(task.adapterId);
    if (!adapter) throw new Error(`the sandbox has no adapter ${task.adapterId}`);
    const result = await adapter.invoke(task.request, context);
    send({ type: 'done', outcome: { ok: true, result } });
  } catch (err) {
    send({ type: 'done', outcome: { ok: false, error: serializeError(err) } });
  } finally {
    hop = undefined;
  }
}

async function buildAdapters(data: SandboxProcessData): Promise<Map<string, Adapter>> {
  const built = createBuiltinAdapters({ limits: data.limits, models: data.models, tools: data.tools });
  built.push(...(await loadAdapterModules(data.modules, { logger: ipcLogger() as unknown as Logger })));
  return new Map(built.map((adapter) => [adapter.descriptor.id, adapter]));
}

type IpcLogger = AdapterLogger & { child(bindings: object): IpcLogger };

/** A logger whose lines are written by the hop's logger in the gateway (its bindings, its sink). */
function ipcLogger(bindings: object = {}): IpcLogger {
  const at =
    (level: LogLevel) =>
    (fields: object, msg?: string): void =>
      void send({
        type: 'log',
        level,
        fields: cloneable({ ...bindings, ...fields }),
        ...(msg ? { msg } : {}),
      });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => ipcLogger({ ...bindings, ...more }),
  };
}
