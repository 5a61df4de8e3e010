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

/** An ExportTraceServiceRequest in OTLP/JSON's shape (the fields the tests read). */
interface ExportRequest {
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
}

/** A local OTLP/HTTP receiver, http/json and http/protobuf: collects what is POSTed to /v1/traces. */
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
      const type = req.headers['content-type'] ?? '';
      const json = type.includes('json');
      if (req.method !== 'POST' || req.url !== '/v1/traces' || (!json && !type.includes('protobuf'))) {
        res.writeHead(415).end();
        return;
      }
      const bytes = Buffer.concat(chunks);
      const body = json ? (JSON.parse(bytes.toString('utf8')) as ExportRequest) : decodeRequest(bytes);
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
      // An empty ExportTraceServiceResponse, in the request's encoding.
      if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
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

/**
 * An OTLP/HTTP protobuf request read into OTLP/JSON's shape (ids as hex, times as decimal
 * nanoseconds), the fields of opentelemetry/proto's trace.proto and common.proto that the tests
 * read: so one set of assertions holds for both protocols.
 */
function decodeRequest(bytes: Uint8Array): ExportRequest {
  return {
    resourceSpans: messages(bytes, 1).map((rs) => ({
      resource: { attributes: messages(one(rs, 1) ?? EMPTY, 1).map(keyValue) },
      scopeSpans: messages(rs, 2).map((ss) => ({
        scope: { name: string(one(one(ss, 1) ?? EMPTY, 1)) },
        spans: messages(ss, 2).map((s) => {
          const status = one(s, 15);
          const parent = one(s, 4);
          const traceState = string(one(s, 3));
          return {
            traceId: hex(one(s, 1)),
            spanId: hex(one(s, 2)),
            ...(parent ? { parentSpanId: hex(parent) } : {}),
            ...(traceState ? { traceState } : {}),
            name: string(one(s, 5)) ?? '',
            kind: Number(scalar(s, 6) ?? 0n),
            flags: Number(scalar(s, 16) ?? 0n),
            startTimeUnixNano: String(scalar(s, 7) ?? 0n),
            endTimeUnixNano: String(scalar(s, 8) ?? 0n),
            attributes: messages(s, 9).map(keyValue),
            events: messages(s, 11).map((e) => ({
              name: string(one(e, 2)) ?? '',
              timeUnixNano: String(scalar(e, 1) ?? 0n),
              attributes: messages(e, 3).map(keyValue),
            })),
            links: messages(s, 13).map((l) => ({ traceId: hex(one(l, 1)), spanId: hex(one(l, 2)) })),
            status: status
              ? {
                  code: Number(scalar(status, 3) ?? 0n),
                  ...(string(one(status, 2)) ? { message: string(one(status, 2)) } : {}),
                }
              : undefined,
          };
        }),
      })),
    })),
  };
}

const EMPTY = new Uint8Array(0);

/** A field's value: a varint or fixed number as a bigint, a length-delimited one as its bytes. */
type WireValue = bigint | Uint8Array;

/** Every field of a message, in order. */
function fields(bytes: Uint8Array): [number, WireValue][] {
  const out: [number, WireValue][] = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0:
        out.push([field, varint()]);
        break;
      case 1:
        out.push([field, view.getBigUint64(at, true)]);
        at += 8;
        break;
      case 2: {
        const length = Number(varint());
        out.push([field, bytes.subarray(at, at + length)]);
        at += length;
        break;
      }
      case 5:
        out.push([field, BigInt(view.getUint32(at, true))]);
        at += 4;
        break;
      default:
        throw new Error(`unexpected wire type ${key & 7}`);
    }
  }
  return out;
}

const messages = (bytes: Uint8Array, field: number) =>
  fields(bytes)
    .filter(([f, v]) => f === field && v instanceof Uint8Array)
    .map(([, v]) => v as Uint8Array);
const one = (bytes: Uint8Array, field: number) => messages(bytes, field)[0];
const scalar = (bytes: Uint8Array, field: number) =>
  fields(bytes).find(([f, v]) => f === field && typeof v === 'bigint')?.[1] as bigint | undefined;
const string = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? EMPTY).toString('hex');

function keyValue(bytes: Uint8Array): KeyValue {
  return { key: string(one(bytes, 1)) ?? '', value: anyValue(one(bytes, 2) ?? EMPTY) };
}

function anyValue(bytes: Uint8Array): AnyValue {
  const [entry] = fields(bytes);
  if (!entry) return {};
  const [field, v] = entry;
  switch (field) {
    case 1:
      return { stringValue: string(v as Uint8Array) };
    case 2:
      return { boolValue: v === 1n };
    case 3:
      return { intValue: BigInt.asIntN(64, v as bigint).toString() };
    case 4: {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, v as bigint, true);
      return { doubleValue: view.getFloat64(0, true) };
    }
    case 5:
      return { arrayValue: { values: messages(v as Uint8Array, 1).map(anyValue) } };
    default:
      return {};
  }
}
