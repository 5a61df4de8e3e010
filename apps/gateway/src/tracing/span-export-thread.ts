/**
 * The export thread (a worker_thread started by ThreadSpanProcessor): gets the data of ended
 * spans, and encodes and POSTs them with the SDK's own OTLP exporter, so that neither the OTLP
 * encoding nor the HTTP export runs on the gateway's event loop. The exporter reads the
 * OTEL_EXPORTER_OTLP_* variables from the environment the thread inherited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import {
  ExportResultCode,
  globalErrorHandler,
  type ExportResult,
  type InstrumentationScope,
} from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { readSpans, type ExportThreadOptions, type FromExportThread, type ToExportThread } from './span-data';
import { lowerThreadPriority } from './thread-priority';

// Below the event loop's priority: a batch posted must not pre-empt it (thread-priority.ts).
lowerThreadPriority(10);

const port = parentPort!;
const options = workerData as ExportThreadOptions;
const post = (message: FromExportThread, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

const text = (args: unknown[]) =>
  args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
// The exporter's troubles go to the gateway's log (its diagLogger: at most a line a minute).
diag.setLogger(
  {
    error: (message, ...args) => post({ type: 'diag', level: 'error', message: text([message, ...args]) }),
    warn: (message, ...args) => post({ type: 'diag', level: 'warn', message: text([message, ...args]) }),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);

const exporter =
  options.protocol === 'http/json'
    ? new JsonTraceExporter({ url: options.url })
    : new ProtoTraceExporter({ url: options.url });
const resource = resourceFromAttributes(options.resource);
/** The tracers' scopes, by index. */
const scopes: InstrumentationScope[] = [];
/** The exports under way: a flush waits for them. */
const pending = new Set<Promise<void>>();

/** Exports one batch; settles when it is done or given up (after exportTimeoutMillis), never rejects. */
function exportBatch(spans: ReadableSpan[]): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) globalErrorHandler(error);
      post({ type: 'exported', count: spans.length });
      resolve();
    };
    const timer = setTimeout(() => finish(new Error('Timeout')), options.exportTimeoutMillis);
    exporter.export(spans, (result: ExportResult) =>
      finish(
        result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error('export failed')),
      ),
    );
  });
}

async function flush(): Promise<void> {
  await Promise.all(pending);
  await exporter.forceFlush();
}

port.on('message', (message: ToExportThread) => {
  switch (message.type) {
    case 'scope': {
      const { name, version, schemaUrl } = message.scope;
      scopes[message.scope.index] = { name, version, schemaUrl };
      return;
    }
    case 'spans': {
      let spans: ReadableSpan[];
      try {
        spans = readSpans(message.batch, message.clock, resource, scopes);
        const { numbers } = message.batch;
        post({ type: 'read', numbers }, [numbers.buffer as ArrayBuffer]);
      } catch (err) {
        // Never expected (the gateway wrote the batch); its spans are given up, not the thread.
        globalErrorHandler(err as Error);
        post({ type: 'exported', count: message.count });
        return;
      }
      const exported = exportBatch(spans).finally(() => pending.delete(exported));
      pending.add(exported);
      return;
    }
    case 'flush':
      void flush()
        .catch(globalErrorHandler)
        .finally(() => post({ type: 'flushed', id: message.id }));
      return;
    case 'shutdown':
      void flush()
        .then(() => exporter.shutdown())
        .catch(globalErrorHandler)
        .finally(() => post({ type: 'flushed', id: message.id }));
      return;
  }
});
