import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/JSON export carries it, with its resource's service name. */
export interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The W3C `tracestate` of its context, if it has one. */
  traceState?: string;
  kind: number;
  /** The OTLP span flags: the W3C trace flags, and whether the parent was remote (0x100 | 0x200). */
  flags?: number;
  /** Its start and end, epoch milliseconds (from the nanoseconds sent). */
  startMs: number;
  endMs: number;
  /** Its instrumentation scope's name. */
  scope?: string;
  /** Its resource's attributes. */
  resource: Record<string, unknown>;
  status?: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  /** The spans this one links to (a batch line's to its batch's request). */
  links: { traceId: string; spanId: string }[];
  /** Its events (an `exception`...), with their attributes. */
  events: { name: string; timeMs: number; attributes: Record<string, unknown> }[];
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

/** A local OTLP http/json receiver: collects what is POSTed to /v1/traces. */
export interface OtlpReceiver {
  /** http://127.0.0.1:<port>, for OTEL_EXPORTER_OTLP_ENDPOINT */
  url: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

const value = (v: AnyValue): unknown =>
  v.arrayValue
    ? (v.arrayValue.values ?? []).map(value)
    : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue)));
const millis = (nanos: string | number | undefined) => Number(BigInt(nanos ?? 0) / 1000n) / 1000;
const attributes = (list: KeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, value(a.value)]));

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        !req.headers['content-type']?.includes('json')
      ) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: {
          resource?: { attributes?: KeyValue[] };
          scopeSpans?: {
            scope?: { name?: string };
            spans?: (Omit<
              ReceivedSpan,
              'service' | 'attributes' | 'links' | 'events' | 'startMs' | 'endMs' | 'scope' | 'resource'
            > & {
              startTimeUnixNano?: string;
              endTimeUnixNano?: string;
              attributes?: KeyValue[];
              links?: { traceId: string; spanId: string }[];
              events?: { name: string; timeUnixNano?: string; attributes?: KeyValue[] }[];
            })[];
          }[];
        }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const resource = attributes(rs.resource?.attributes);
        const service = String(resource['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              name: s.name,
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              ...(s.traceState ? { traceState: s.traceState } : {}),
              kind: s.kind,
              ...(s.flags !== undefined ? { flags: s.flags } : {}),
              startMs: millis(s.startTimeUnixNano),
              endMs: millis(s.endTimeUnixNano),
              ...(ss.scope?.name ? { scope: ss.scope.name } : {}),
              resource,
              ...(s.status ? { status: s.status } : {}),
              attributes: attributes(s.attributes),
              links: (s.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
              events: (s.events ?? []).map((e) => ({
                name: e.name,
                timeMs: millis(e.timeUnixNano),
                attributes: attributes(e.attributes),
              })),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
