import { z } from 'zod';
import { AdapterDescriptorSchema } from './adapter-descriptor';
import { ErrorCodeSchema } from './error-code';
import { httpUrlWithoutCredentials } from './http-url';
import { ModalitySchema } from './modality';
import { OpenAiBackendSchema } from './openai-backend';

/*
 * omnigate's remote-adapter protocol (docs/remote-adapter-protocol.md): any HTTP server that
 * answers these three calls under its base URL is an adapter.
 *
 *   GET  {url}/descriptor  → RemoteDescriptor (JSON)
 *   POST {url}/invoke      multipart/form-data: a `request` field (RemoteInvokeRequest, JSON)
 *                          and one file part per input (named in the request)
 *                          → multipart/form-data: a `result` field (RemoteInvokeResult, JSON)
 *                            and one file part per binary output; or a JSON RemoteInvokeResult
 *                            when every output is text; or a RemoteError with a 4xx/5xx status
 *   GET  {url}/health      → 2xx when the adapter can take work
 *
 * Binary inputs and outputs travel as multipart parts, never as base64 in JSON.
 */

/** How to recognise content of a modality the gateway does not know yet. */
export const ModalityDefinitionSchema = z
  .strictObject({
    name: ModalitySchema,
    description: z.string().max(200).optional(),
    /** Media types of this modality; the first is the default. */
    mediaTypes: z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i)).min(1),
    /** File name extensions, without the dot (`stl`, `obj`). */
    extensions: z.array(z.string().regex(/^[a-z0-9]{1,10}$/i)).default([]),
    /** Byte signatures: `hex` bytes found at `offset`. */
    magic: z
      .array(
        z.strictObject({
          offset: z.number().int().min(0).max(4096).default(0),
          hex: z.string().regex(/^([0-9a-f]{2}){1,64}$/i),
        }),
      )
      .default([]),
    /**
     * A regular expression in RE2 syntax (no backreferences or lookaround) found in the first
     * 4 KiB of the content read as latin1; the gateway compiles it at registration.
     */
    pattern: z.string().max(200).optional(),
    /** The media type to report when the magic bytes or pattern match; default mediaTypes[0]. */
    mediaType: z.string().optional(),
  })
  .meta({ id: 'ModalityDefinition' });
export type ModalityDefinition = z.infer<typeof ModalityDefinitionSchema>;

/** What `GET {url}/descriptor` returns: an adapter descriptor, plus the modalities it brings. */
export const RemoteDescriptorSchema = AdapterDescriptorSchema.extend({
  /** The id the gateway registers is the registration's; the server may leave it out. */
  id: AdapterDescriptorSchema.shape.id.optional(),
  modalities: z.array(ModalityDefinitionSchema).optional(),
}).meta({ id: 'RemoteDescriptor' });
export type RemoteDescriptor = z.infer<typeof RemoteDescriptorSchema>;

/** One input as sent to `/invoke`: its bytes are the multipart file part named `part`. */
export const RemoteInputSchema = z.object({
  modality: ModalitySchema,
  mediaType: z.string(),
  filename: z.string().optional(),
  bytes: z.number().int().nonnegative(),
  part: z.string(),
});

/** The JSON `request` field of `/invoke`. */
export const RemoteInvokeRequestSchema = z
  .object({
    task: z.string(),
    inputs: z.array(RemoteInputSchema),
    output: z.object({ modality: ModalitySchema, mediaType: z.string().optional() }),
    options: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'RemoteInvokeRequest' });
export type RemoteInvokeRequest = z.infer<typeof RemoteInvokeRequestSchema>;

/** One output of `/invoke`: text inline, or binary in the multipart file part named `part`. */
export const RemoteOutputSchema = z.union([
  z.object({ modality: ModalitySchema, mediaType: z.string(), text: z.string() }),
  z.object({ modality: ModalitySchema, mediaType: z.string(), part: z.string() }),
]);

/** The JSON `result` of `/invoke`. */
export const RemoteInvokeResultSchema = z
  .object({
    outputs: z.array(RemoteOutputSchema).min(1),
    warnings: z.array(z.string()).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'RemoteInvokeResult' });
export type RemoteInvokeResult = z.infer<typeof RemoteInvokeResultSchema>;

/** An error answer of `/invoke` (with a 4xx or 5xx status). */
export const RemoteErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema.optional(),
    message: z.string(),
    /** Whether the same call may succeed later; by default 408, 409, 429 and 5xx are. */
    retryable: z.boolean().optional(),
  }),
});

/** `POST /v1/adapters`: register an adapter at runtime. */
export const AdapterRegistrationSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('http'),
      id: AdapterDescriptorSchema.shape.id,
      /** Base URL of a server speaking the remote-adapter protocol; no user name or password in it. */
      url: httpUrlWithoutCredentials('send credentials in headers'),
      /** Headers sent with every call (e.g. an Authorization header); never returned or logged. */
      headers: z.record(z.string(), z.string()).optional(),
      /** Overrides the descriptor's domain: the vertical this adapter serves. */
      domain: z.string().optional(),
      timeoutMs: z.number().int().positive().max(3_600_000).optional(),
    }),
    OpenAiBackendSchema.extend({ kind: z.literal('openai-compatible') }),
  ])
  .meta({ id: 'AdapterRegistration' });
export type AdapterRegistration = z.infer<typeof AdapterRegistrationSchema>;
