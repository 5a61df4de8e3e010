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
import { errorMessage } from '../sdk/error-message';
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

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DESCRIPTOR_TIMEOUT_MS = 10_000;
const HEALTH_TIMEOUT_MS = 5_000;

/** Whatever options the caller gives are passed on: the remote server checks them. */
const PassThroughOptions = z.record(z.string(), z.unknown());

/**
 * An adapter that is an HTTP server speaking omnigate's remote-adapter protocol
 * (docs/remote-adapter-protocol.md): inputs go out and binary outputs come back as multipart
 * parts, never as base64.
 */
export class RemoteHttpAdapter implements Adapter {
  readonly options = PassThroughOptions;

  private constructor(
    private readonly target: RemoteHttpTarget,
    readonly descriptor: AdapterDescriptor,
    /** Modalities the server declared, for the gateway to learn. */
    readonly modalities: ModalityDefinition[],
  ) {}

  /** Fetches and checks the server's descriptor; throws an AdapterError that says what is wrong. */
  static async connect(target: RemoteHttpTarget): Promise<RemoteHttpAdapter> {
    const url = endpoint(target.url, 'descriptor');
    let response: Response;
    try {
      response = await fetch(url, {
        headers: target.headers,
        signal: AbortSignal.timeout(DESCRIPTOR_TIMEOUT_MS),
      });
    } catch (err) {
      throw AdapterError.unprocessable(`could not reach ${url}: ${errorMessage(err)}`, err);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw AdapterError.unprocessable(`${url} answered ${response.status}, not a descriptor`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    const parsed = RemoteDescriptorSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(descriptor)'}: ${i.message}`);
      throw AdapterError.unprocessable(
        `${url} gave an invalid descriptor: ${issues.join('; ')}`,
        parsed.error,
      );
    }
    const { modalities = [], id: _ownId, ...rest } = parsed.data;
    const descriptor = AdapterDescriptorSchema.parse({
      ...rest,
      id: target.id,
      ...(target.domain ? { domain: target.domain } : {}),
    });
    return new RemoteHttpAdapter(target, descriptor, modalities);
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
    const response = await this.call('invoke', context.signal, { method: 'POST', body: form });
    if (!response.ok) throw await this.failure(response);
    return this.result(response);
  }

  /** True when `GET {url}/health` answers 2xx in time. */
  async healthy(): Promise<boolean> {
    try {
      const response = await fetch(endpoint(this.target.url, 'health'), {
        headers: this.target.headers,
        signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  private async call(path: string, signal: AbortSignal, init: RequestInit): Promise<Response> {
    const timeout = AbortSignal.timeout(this.target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await fetch(endpoint(this.target.url, path), {
        ...init,
        headers: this.target.headers,
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
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
    const message = parsed?.error.message ?? `answered ${response.status}`;
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
        raw = JSON.parse(String(parts.get('result')));
      } else {
        raw = await response.json();
      }
    } catch (err) {
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

function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}
