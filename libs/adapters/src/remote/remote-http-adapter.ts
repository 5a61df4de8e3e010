import {
  AdapterDescriptorSchema,
  RemoteDescriptorSchema,
  RemoteErrorSchema,
  RemoteInvokeResultSchema,
  type AdapterDescriptor,
  type ModalityDefinition,
  type RemoteInvokeRequest,
  type RemoteInvokeResult,
} from '@omnigate/contracts';
import { z } from 'zod';
import type { Adapter, AdapterContext, AdapterOutput, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { boundedFetch, ResponseTooLargeError } from '../sdk/bounded-fetch';
import { parseJsonWithin } from '../sdk/bounded-json';
import { errorMessage } from '../sdk/error-message';
import { redactSecrets, redactUrl } from '../sdk/redact-secrets';
import { retryAfterMs } from '../sdk/retry-after';

/** Where a remote adapter lives and how to call it. */
export interface RemoteHttpTarget {
  /** The id it is registered under (the descriptor's own id, if any, is replaced). */
  id: string;
  /** Base URL of a server speaking the remote-adapter protocol. */
  url: string;
  /** Sent with every call, e.g. an Authorization header. */
  headers?: Record<string, string>;
  /** Overrides the descriptor's domain. */
  domain?: string;
  /** Per invoke call; default 5 minutes. */
  timeoutMs?: number;
}

/** What a remote adapter may send back. */
export interface RemoteHttpLimits {
  /** Bytes of one `/invoke` answer, binary outputs included (the gateway gives BLOB_MAX_BYTES). */
  maxResultBytes: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DESCRIPTOR_TIMEOUT_MS = 10_000;
const HEALTH_TIMEOUT_MS = 5_000;
/** A descriptor is a few KiB; this is far more than any real one. */
const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
const DEFAULT_LIMITS: RemoteHttpLimits = { maxResultBytes: 512 * 1024 * 1024 };

const descriptorFetch = boundedFetch(MAX_DESCRIPTOR_BYTES);

/** Whatever options the caller gives are passed on: the remote server checks them. */
const PassThroughOptions = z.record(z.string(), z.unknown());

/**
 * An adapter that is an HTTP server speaking omnigate's remote-adapter protocol
 * (docs/remote-adapter-protocol.md): inputs go out and binary outputs come back as multipart
 * parts, never as base64. No call follows a redirect (the registration's headers would go with
 * it), and every answer is bounded in time, bytes and JSON depth.
 */
export class RemoteHttpAdapter implements Adapter {
  readonly options = PassThroughOptions;
  private readonly invokeFetch: typeof fetch;

  private constructor(
    private readonly target: RemoteHttpTarget,
    readonly descriptor: AdapterDescriptor,
    /** Modalities the server declared, for the gateway to learn. */
    readonly modalities: ModalityDefinition[],
    limits: RemoteHttpLimits,
  ) {
    this.invokeFetch = boundedFetch(limits.maxResultBytes);
  }

  /** Fetches and checks the server's descriptor; throws an AdapterError that says what is wrong. */
  static async connect(
    target: RemoteHttpTarget,
    limits: RemoteHttpLimits = DEFAULT_LIMITS,
  ): Promise<RemoteHttpAdapter> {
    const url = endpoint(target.url, 'descriptor');
    const shown = redactUrl(url);
    let body: unknown;
    try {
      const response = await descriptorFetch(url, {
        headers: target.headers,
        signal: AbortSignal.timeout(DESCRIPTOR_TIMEOUT_MS),
      });
      if (!response.ok) {
        await response.body?.cancel();
        const redirect = redirectRefusal(response);
        throw AdapterError.unprocessable(
          `${shown} answered ${response.status}${redirect ? `, ${redirect}` : ', not a descriptor'}`,
        );
      }
      body = parseJsonWithin(await response.text());
    } catch (err) {
      if (AdapterError.is(err)) throw err;
      if (err instanceof ResponseTooLargeError) {
        throw AdapterError.unprocessable(`${shown} sent a descriptor over ${err.maxBytes} bytes`, err);
      }
      if (err instanceof SyntaxError) {
        throw AdapterError.unprocessable(`${shown} gave an invalid descriptor: ${err.message}`, err);
      }
      throw AdapterError.unprocessable(`could not reach ${shown}: ${errorMessage(err)}`, err);
    }
    const parsed = RemoteDescriptorSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(descriptor)'}: ${i.message}`);
      throw AdapterError.unprocessable(
        `${shown} gave an invalid descriptor: ${issues.join('; ')}`,
        parsed.error,
      );
    }
    const { modalities = [], id: _ownId, ...rest } = parsed.data;
    const descriptor = AdapterDescriptorSchema.parse({
      ...rest,
      id: target.id,
      ...(target.domain ? { domain: target.domain } : {}),
    });
    return new RemoteHttpAdapter(target, descriptor, modalities, limits);
  }

  async invoke(request: AdapterRequest, context: AdapterContext): Promise<AdapterResult> {
    const form = new FormData();
    const inputs: RemoteInvokeRequest['inputs'] = [];
    for (const [index, input] of request.inputs.entries()) {
      const part = `input${index}`;
      const bytes = await context.blobs.read(input.blobId);
      form.append(part, new Blob([bytes], { type: input.mediaType }), input.filename ?? part);
      inputs.push({
        modality: input.modality,
        mediaType: input.mediaType,
        bytes: bytes.length,
        part,
        ...(input.filename ? { filename: input.filename } : {}),
      });
    }
    const body: RemoteInvokeRequest = {
      task: request.task,
      inputs,
      output: request.output,
      options: request.options,
    };
    form.set('request', JSON.stringify(body));
    const response = await this.call('invoke', context.signal, {
      method: 'POST',
      body: form,
      headers: context.traceHeaders,
    });
    const redirect = redirectRefusal(response);
    if (redirect) {
      await response.body?.cancel();
      throw new AdapterError(
        'adapter_failed',
        `${this.descriptor.id}: /invoke answered ${response.status}, ${redirect}`,
        {
          details: { status: response.status },
        },
      );
    }
    if (!response.ok) throw await this.failure(response);
    return this.result(response);
  }

  /** True when `GET {url}/health` answers 2xx in time (a redirect is not 2xx: it is not followed). */
  async healthy(): Promise<boolean> {
    try {
      // Its body is never read: only the redirect needs refusing.
      const response = await fetch(endpoint(this.target.url, 'health'), {
        redirect: 'manual',
        headers: this.target.headers,
        signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** `init.headers`: a call's own (its trace context), beside the target's. */
  private async call(
    path: string,
    signal: AbortSignal,
    init: Omit<RequestInit, 'headers'> & { headers?: Readonly<Record<string, string>> },
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(this.target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await this.invokeFetch(endpoint(this.target.url, path), {
        ...init,
        headers: init.headers ? { ...init.headers, ...this.target.headers } : this.target.headers,
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof ResponseTooLargeError) throw this.resultTooLarge(err);
      if (timeout.aborted) {
        throw new AdapterError('timeout', `${this.descriptor.id} did not answer in time`, {
          retryable: true,
          cause: err,
        });
      }
      throw new AdapterError('adapter_failed', `${this.descriptor.id} is unreachable: ${errorMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    }
  }

  /** An error answer as an AdapterError: 408/409/429/5xx may pass later, unless the server says. */
  private async failure(response: Response): Promise<AdapterError> {
    const text = await response.text().catch(() => '');
    let parsed: z.infer<typeof RemoteErrorSchema> | undefined;
    try {
      parsed = RemoteErrorSchema.parse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    const retryable = parsed?.error.retryable ?? AdapterError.isRetryableStatus(response.status);
    const code =
      parsed?.error.code ??
      (response.status === 429
        ? 'rate_limited'
        : response.status < 500
          ? 'unprocessable_input'
          : 'adapter_failed');
    // The server's own words, without anything of ours it may echo (the registration's headers).
    const message = redactSecrets(
      parsed?.error.message ?? `answered ${response.status}`,
      Object.values(this.target.headers ?? {}),
    );
    return new AdapterError(code, `${this.descriptor.id}: ${message.slice(0, 500)}`, {
      retryable,
      retryAfterMs: retryAfterMs(response.headers),
      details: { status: response.status },
    });
  }

  /** The outputs: a JSON result, or a multipart `result` field with one file part per binary output. */
  private async result(response: Response): Promise<AdapterResult> {
    const type = response.headers.get('content-type') ?? '';
    let raw: unknown;
    let parts: FormData | undefined;
    try {
      if (type.startsWith('multipart/form-data')) {
        parts = await response.formData();
        raw = parseJsonWithin(String(parts.get('result')));
      } else {
        raw = parseJsonWithin(await response.text());
      }
    } catch (err) {
      if (err instanceof ResponseTooLargeError) throw this.resultTooLarge(err);
      throw new AdapterError('adapter_failed', `${this.descriptor.id} sent an unreadable result`, {
        retryable: true,
        cause: err,
      });
    }
    const parsed = RemoteInvokeResultSchema.safeParse(raw);
    if (!parsed.success) {
      throw new AdapterError(
        'adapter_failed',
        `${this.descriptor.id} sent a result that breaks the protocol`,
        {
          cause: parsed.error,
        },
      );
    }
    const outputs = await Promise.all(parsed.data.outputs.map((output) => this.output(output, parts)));
    return {
      outputs,
      ...(parsed.data.warnings ? { warnings: parsed.data.warnings } : {}),
      ...(parsed.data.meta ? { meta: parsed.data.meta } : {}),
    };
  }

  /** An answer over the bound says nothing of the adapter's health: not retried. */
  private resultTooLarge(cause: ResponseTooLargeError): AdapterError {
    return new AdapterError(
      'adapter_failed',
      `${this.descriptor.id} sent a result over ${cause.maxBytes} bytes`,
      {
        cause,
      },
    );
  }

  private async output(
    output: RemoteInvokeResult['outputs'][number],
    parts?: FormData,
  ): Promise<AdapterOutput> {
    if ('text' in output) return output;
    const file = parts?.get(output.part);
    if (!(file instanceof Blob)) {
      throw new AdapterError(
        'adapter_failed',
        `${this.descriptor.id}: output part "${output.part}" is missing`,
      );
    }
    return {
      modality: output.modality,
      mediaType: output.mediaType,
      data: Buffer.from(await file.arrayBuffer()),
    };
  }
}

/**
 * What to say of a redirect (3xx) answer, which is never followed: it would carry the
 * registration's headers (its credentials) to wherever it points. Undefined for any other status.
 */
function redirectRefusal(response: Response): string | undefined {
  if (response.status < 300 || response.status >= 400) return undefined;
  const location = response.headers.get('location');
  return `a redirect${location ? ` to ${redactUrl(location)}` : ''}: redirects are not followed (they would take the registration's headers elsewhere); register the URL it points to`;
}

function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}
