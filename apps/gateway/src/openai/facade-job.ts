import type { InferRequest, OutputPart } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceService } from '../inference/inference.service';
import type { JobRecord } from '../jobs/job-record';
import { callerOf } from '../inference/job-caller';

/** A job that ended well; anything else becomes the error the facade answers. */
export function completed(record: JobRecord): JobRecord {
  if (record.status === 'completed') return record;
  if (record.status === 'failed' && record.error) {
    const { code, message, details } = record.error;
    throw new GatewayError(code, message, { ...details, jobId: record.id });
  }
  if (record.status === 'cancelled') {
    throw new GatewayError('unavailable', `job ${record.id} was cancelled`, { jobId: record.id });
  }
  // OpenAI's API has no 202: a job still running when the wait ends is a timeout for this caller.
  throw new GatewayError(
    'timeout',
    `job ${record.id} is still running; its result will be at /v1/jobs/${record.id}`,
    { jobId: record.id },
  );
}

/** Runs one job of the HTTP request `from` to its end (sync wait) and returns the completed record. */
export async function runToCompletion(
  inference: InferenceService,
  request: InferRequest,
  from: FastifyRequest,
): Promise<JobRecord> {
  return completed(await inference.run(request, request.timeoutMs, callerOf(from)));
}

/** The job's one output, or 502 when the route produced something else. */
export function singleOutput(record: JobRecord, modality: string): OutputPart {
  const output = record.outputs.find((o) => o.modality === modality);
  if (!output) {
    throw new GatewayError(
      'adapter_failed',
      `the route produced ${record.outputs.map((o) => o.modality).join(', ') || 'nothing'}, not ${modality}`,
      { jobId: record.id },
    );
  }
  return output;
}

export async function outputText(blobs: BlobStore, output: OutputPart): Promise<string> {
  if (output.text !== undefined) return output.text;
  return (await outputBytes(blobs, output)).toString('utf8');
}

export async function outputBytes(blobs: BlobStore, output: OutputPart): Promise<Buffer> {
  if (output.blobId) return blobs.read(output.blobId);
  if (output.data !== undefined) return Buffer.from(output.data, 'base64');
  return Buffer.from(output.text ?? '', 'utf8');
}

/** `audio->text primary.transcription | text->text primary.chat` (header values are ASCII). */
export function describeRoute(record: JobRecord): string {
  return record.route.map((step) => `${step.from.join('+')}->${step.to} ${step.adapter}`).join(' | ');
}

/** `primary.chat -> secondary.chat`: each route's failed adapter, then the one that answered; undefined without fallback. */
export function describeFallback(record: JobRecord): string | undefined {
  if (!record.fallbacks || record.fallbacks.length === 0) return undefined;
  const answered = record.route.at(-1)?.adapter ?? 'none';
  return [...record.fallbacks.map((f) => f.adapter), answered].join(' -> ');
}

/**
 * The headers every facade answer carries: the job, its route and the fallback taken. A chain
 * of jobs (a spoken chat answer: the chat, then its speech) lists its jobs, its hops in order
 * and each job's fallback, comma-separated.
 */
export function routeHeaders(...records: JobRecord[]): Record<string, string> {
  const fallback = records.flatMap((record) => describeFallback(record) ?? []).join(', ');
  return {
    'x-omnigate-job': records.map((record) => record.id).join(', '),
    'x-omnigate-route': records.map(describeRoute).join(' | '),
    ...(fallback ? { 'x-omnigate-fallback': fallback } : {}),
  };
}

export function setRouteHeaders(reply: FastifyReply, record: JobRecord): FastifyReply {
  return reply.headers(routeHeaders(record));
}

/** The JSON body of a facade route; anything else (a stream: another content type) is 415. */
export function jsonBody(req: FastifyRequest): unknown {
  const body = req.body;
  if (body && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function') {
    return body;
  }
  throw new GatewayError('unsupported_media', `send ${req.routeOptions.url} a JSON body`, {
    contentType: req.headers['content-type'] ?? null,
  });
}

/** A host name, IPv4 or bracketed IPv6 address, and an optional port: nothing that ends a URL's authority. */
const HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The gateway's own absolute URL of a blob, from the host the caller used: the Host header, or
 * X-Forwarded-Host/-Proto when the connection comes from a TRUST_PROXY proxy. A value that is not
 * a plain host (`evil.example/x?`, `a@b`) is refused rather than written into a URL.
 */
export function blobUrl(req: FastifyRequest, blobId: string): string {
  const { protocol, host } = req;
  if (host.length > 255 || !HOST.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new GatewayError(
      'invalid_request',
      'the Host (or a trusted X-Forwarded-Host/-Proto) header is not a host',
    );
  }
  return `${protocol}://${host}/v1/blobs/${blobId}`;
}
