/**
 * The export thread (a worker_thread started by ThreadSpanProcessor): gets the data of ended
 * spans, encodes them and POSTs them with the SDK's OTLP/HTTP transport (its retries, timeouts,
 * headers, compression and OTEL_EXPORTER_OTLP_* variables, read from the environment the thread
 * inherited), so that neither the encoding nor the HTTP export runs on the gateway's event loop.
 * http/protobuf is written straight from the packed batch (otlp-protobuf.ts); http/json by the
 * SDK's serializer from the spans read back (readable-spans.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import {
  ExportResultCode,
  globalErrorHandler,
  type ExportResult,
  type InstrumentationScope,
} from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonTraceSerializer,
  ProtobufTraceSerializer,
  type IExportTraceServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { encodeTraceRequest } from './otlp-protobuf';
import type {
  ClockAnchor,
  ExportThreadOptions,
  FromExportThread,
  ToExportThread,
} from './export-thread-protocol';
import { readSpans } from './readable-spans';
import type { SpanBatch } from './span-data';
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

/** One `spans` message: what the exporter is given, encoded when it sends it (at once). */
interface SpanExport {
  batch: SpanBatch;
  count: number;
  clock: ClockAnchor;
}

const json = options.protocol === 'http/json';
const resource = resourceFromAttributes(options.resource);
/** The tracers' scopes, by index. */
const scopes: InstrumentationScope[] = [];
const serializer: ISerializer<SpanExport, IExportTraceServiceResponse> = json
  ? {
      serializeRequest: ({ batch, clock }) =>
        JsonTraceSerializer.serializeRequest(readSpans(batch, clock, resource, scopes)),
      deserializeResponse: (data) => JsonTraceSerializer.deserializeResponse(data),
    }
  : {
      serializeRequest: ({ batch, clock }) => encodeTraceRequest(batch, clock, options.resource, scopes),
      deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
    };
// The SDK's OTLPTraceExporter (http or proto), but with the serializer above.
const exporter = new OTLPExporterBase(
  createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url: options.url }, 'TRACES', 'v1/traces', {
      'Content-Type': json ? 'application/json' : 'application/x-protobuf',
    }),
    serializer,
    'otlp_http_span_exporter',
    { name: 'span', countItems: (request) => request.count },
    undefined,
  ),
);
/** The exports under way: a flush waits for them. */
const pending = new Set<Promise<void>>();

/**
 * Exports one batch; settles when it is done or given up (after exportTimeoutMillis), never
 * rejects. The batch is encoded before this returns, so its arrays can be given back.
 */
function exportBatch(request: SpanExport): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) globalErrorHandler(error);
      post({ type: 'exported', count: request.count });
      resolve();
    };
    const timer = setTimeout(() => finish(new Error('Timeout')), options.exportTimeoutMillis);
    try {
      exporter.export(request, (result: ExportResult) =>
        finish(
          result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error('export failed')),
        ),
      );
    } catch (err) {
      // Never expected (the gateway wrote the batch); its spans are given up, not the thread.
      finish(err as Error);
    }
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
      const { batch, count, clock } = message;
      const exported = exportBatch({ batch, count, clock }).finally(() => pending.delete(exported));
      pending.add(exported);
      const { bytes, numbers } = batch;
      post({ type: 'read', bytes, numbers }, [bytes.buffer as ArrayBuffer, numbers.buffer as ArrayBuffer]);
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
