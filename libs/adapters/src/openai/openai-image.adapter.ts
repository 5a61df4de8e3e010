import type { AdapterDescriptor } from '@omnigate/contracts';
import type { ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import { z } from 'zod';
import { parseOptions, readInput, requireInput } from '../builtin/inputs';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { boundedFetch, ResponseTooLargeError } from '../sdk/bounded-fetch';
import { errorMessage } from '../sdk/error-message';
import { baseMediaType } from '../sdk/media-type';
import { decodeUtf8 } from '../sdk/utf8';
import type { OpenAiBackendClient } from './openai-backend-client';
import { openAiDescriptor } from './openai-descriptor';

/** gpt-image-1's prompt limit; dall-e models take less and say so themselves. */
const MAX_PROMPT_CHARACTERS = 32_000;
/** A generated image larger than this is not a picture. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

export const OpenAiImageOptionsSchema = z.object({
  /** `1024x1024`, `1536x1024`, `256x256` ... or `auto`; which ones the model takes is the backend's call. */
  size: z
    .string()
    .regex(/^(auto|\d{2,5}x\d{2,5})$/)
    .optional(),
  quality: z.enum(['auto', 'low', 'medium', 'high', 'standard', 'hd']).optional(),
  /** dall-e-3 only. */
  style: z.enum(['vivid', 'natural']).optional(),
  /** gpt-image only. */
  background: z.enum(['auto', 'transparent', 'opaque']).optional(),
  /** gpt-image only; dall-e models always write PNG. */
  output_format: z.enum(['png', 'jpeg', 'webp']).optional(),
  output_compression: z.number().int().min(0).max(100).optional(),
  moderation: z.enum(['auto', 'low']).optional(),
  user: z.string().max(256).optional(),
});
export type OpenAiImageOptions = z.infer<typeof OpenAiImageOptionsSchema>;

/** Dependencies of the image adapter: fetch for images that come back as a URL. */
export interface OpenAiImageDeps {
  fetch?: typeof fetch;
}

/**
 * Text to image through `/images/generations`. It never sends `response_format` (gpt-image
 * models refuse it); it takes `b64_json` when given and downloads `url` otherwise.
 */
export class OpenAiImageAdapter implements Adapter<OpenAiImageOptions> {
  readonly options = OpenAiImageOptionsSchema;
  readonly descriptor: AdapterDescriptor;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly upstream: OpenAiBackendClient,
    readonly model: string,
    deps: OpenAiImageDeps = {},
  ) {
    const backend = upstream.backend;
    this.fetch = boundedFetch(MAX_IMAGE_BYTES, deps.fetch ?? fetch);
    this.descriptor = openAiDescriptor(backend, 'image', model, 'Text to image', [
      { task: 'generate', inputs: ['text'], output: 'image', outputMediaTypes: IMAGE_MEDIA_TYPES },
    ]);
  }

  async invoke(request: AdapterRequest<OpenAiImageOptions>, context: AdapterContext): Promise<AdapterResult> {
    const adapterId = this.descriptor.id;
    const options = parseOptions(this.options, request.options, adapterId);
    const input = requireInput(request, 'text', adapterId);
    const prompt = decodeUtf8(
      await readInput(context, input, { maxBytes: MAX_PROMPT_CHARACTERS * 4, what: 'the prompt' }),
    ).trim();
    if (prompt === '') throw AdapterError.unprocessable('the prompt is empty');
    if ([...prompt].length > MAX_PROMPT_CHARACTERS) {
      throw new AdapterError(
        'payload_too_large',
        `the prompt is longer than ${MAX_PROMPT_CHARACTERS} characters`,
      );
    }
    await context.progress(0.1);

    const image = await this.upstream.call(adapterId, context, async (request) => {
      const response = await this.upstream.client.images.generate(
        // size is any WxH: OpenAI-compatible servers take sizes OpenAI's own list lacks.
        {
          ...options,
          size: options.size as ImageGenerateParamsNonStreaming['size'],
          model: this.model,
          prompt,
          n: 1,
        },
        request,
      );
      const [first] = response.data ?? [];
      if (first?.b64_json) return Buffer.from(first.b64_json, 'base64');
      if (first?.url) return this.download(first.url, request.signal);
      throw new AdapterError('adapter_failed', `${adapterId}: the backend answered without an image`, {
        retryable: true,
      });
    });
    const mediaType = sniffImage(image);
    if (!mediaType) {
      throw new AdapterError('adapter_failed', `${adapterId}: the backend's image is not PNG, JPEG or WebP`, {
        retryable: true,
      });
    }
    const warnings: string[] = [];
    const requested = request.output.mediaType && baseMediaType(request.output.mediaType);
    if (requested && requested !== mediaType) {
      warnings.push(`the backend wrote ${mediaType}, not the requested ${requested}`);
    }
    await context.progress(1);
    return { outputs: [{ modality: 'image', mediaType, data: image }], warnings };
  }

  private async download(url: string, signal: AbortSignal): Promise<Buffer> {
    const timeout = AbortSignal.timeout(this.upstream.timeoutMs);
    let response: Response;
    try {
      // No credentials go to this URL, so a redirect may be followed (storage links often redirect).
      response = await this.fetch(url, { signal: AbortSignal.any([signal, timeout]), redirect: 'follow' });
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof ResponseTooLargeError) throw imageTooLarge(this.descriptor.id, error);
      const timedOut = timeout.aborted;
      throw new AdapterError(
        timedOut ? 'timeout' : 'adapter_failed',
        `${this.descriptor.id}: could not download the generated image: ${timedOut ? 'timed out' : errorMessage(error)}`,
        { retryable: true, cause: error },
      );
    }
    if (!response.ok) {
      throw new AdapterError(
        'adapter_failed',
        `${this.descriptor.id}: downloading the generated image answered ${response.status}`,
        { retryable: AdapterError.isRetryableStatus(response.status) },
      );
    }
    return Buffer.from(
      await response.arrayBuffer().catch((error: unknown) => {
        throw error instanceof ResponseTooLargeError ? imageTooLarge(this.descriptor.id, error) : error;
      }),
    );
  }
}

function imageTooLarge(adapterId: string, cause: ResponseTooLargeError): AdapterError {
  return new AdapterError(
    'adapter_failed',
    `${adapterId}: the generated image is over ${cause.maxBytes} bytes`,
    {
      cause,
    },
  );
}

/** PNG, JPEG or WebP by magic number: what came back, whatever was asked. */
function sniffImage(bytes: Buffer): string | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 12 &&
    bytes.toString('ascii', 0, 4) === 'RIFF' &&
    bytes.toString('ascii', 8, 12) === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}
