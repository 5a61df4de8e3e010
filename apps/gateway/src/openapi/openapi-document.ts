import {
  AdapterDescriptorSchema,
  DetectRequestSchema,
  ErrorBodySchema,
  InferRequestSchema,
  JobListSchema,
  JobResultSchema,
  ListJobsQuerySchema,
  BUILTIN_MODALITIES,
} from '@omnigate/contracts';
import { z } from 'zod';
import { BATCH_ENDPOINTS, CreateBatchSchema } from '../batches/batch-object';
import { MAX_READ_PER_PAGE } from '../jobs/job-list';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [String(s), { description: 'error', content: json(ref('ErrorBody')) }]),
  );

/** The query parameters of a zod object schema, as validation reads them. */
function queryParameters(schema: z.ZodObject): object[] {
  const { properties = {}, required = [] } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
  }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(properties).map(([name, { description, ...rest }]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(description ? { description } : {}),
    schema: rest,
  }));
}

/** Components straight from the contracts' zod schemas, so the document cannot drift from validation. */
function components(): Record<string, unknown> {
  // Touch the schemas so their `.meta({id})` registrations are in the global registry.
  void [
    InferRequestSchema,
    DetectRequestSchema,
    JobResultSchema,
    JobListSchema,
    ErrorBodySchema,
    AdapterDescriptorSchema,
    CreateBatchSchema,
  ];
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return {
    ...Object.fromEntries(
      Object.entries(schemas).map(([id, schema]) => {
        const { $id: _id, ...rest } = schema as Record<string, unknown>;
        return [id, rest];
      }),
    ),
    ...fileAndBatchSchemas(),
  };
}

/** OpenAI's file and batch objects, as the gateway answers them (see batch-object.ts, file-object.ts). */
function fileAndBatchSchemas(): Record<string, unknown> {
  const int = { type: 'integer' };
  const seconds = { type: 'integer', nullable: true, description: 'Unix seconds' };
  const nullableString = { type: 'string', nullable: true };
  return {
    OpenAiFile: {
      type: 'object',
      required: ['id', 'object', 'bytes', 'created_at', 'expires_at', 'filename', 'purpose', 'status'],
      properties: {
        id: { type: 'string', description: '`file-` and 32 hex characters' },
        object: { type: 'string', enum: ['file'] },
        bytes: int,
        created_at: { ...int, description: 'Unix seconds' },
        expires_at: { ...int, description: 'Unix seconds: created_at + BLOB_TTL_S, then the file is gone' },
        filename: { type: 'string' },
        purpose: { type: 'string', enum: ['batch', 'batch_output', 'user_data', 'vision'] },
        status: { type: 'string', enum: ['processed'] },
      },
    },
    OpenAiBatch: {
      type: 'object',
      required: ['id', 'object', 'endpoint', 'input_file_id', 'status', 'created_at', 'request_counts'],
      properties: {
        id: { type: 'string', description: '`batch_` and 32 hex characters' },
        object: { type: 'string', enum: ['batch'] },
        endpoint: { type: 'string', enum: [...BATCH_ENDPOINTS] },
        errors: {
          type: 'object',
          nullable: true,
          properties: {
            object: { type: 'string', enum: ['list'] },
            data: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  line: { ...int, nullable: true },
                  param: nullableString,
                },
              },
            },
          },
        },
        input_file_id: { type: 'string' },
        completion_window: {
          type: 'string',
          description:
            '`24h`, or (omnigate extension) a whole number of `s`, `m` or `h` from 1s to 168h; past `expires_at` the batch ends `expired`',
        },
        status: {
          type: 'string',
          enum: [
            'validating',
            'failed',
            'in_progress',
            'finalizing',
            'completed',
            'expired',
            'cancelling',
            'cancelled',
          ],
        },
        output_file_id: nullableString,
        error_file_id: nullableString,
        created_at: { ...int, description: 'Unix seconds' },
        in_progress_at: seconds,
        expires_at: { ...int, description: 'Unix seconds' },
        finalizing_at: seconds,
        completed_at: seconds,
        failed_at: seconds,
        expired_at: seconds,
        cancelling_at: seconds,
        cancelled_at: seconds,
        request_counts: {
          type: 'object',
          properties: { total: int, completed: int, failed: int },
        },
        metadata: {
          type: 'object',
          nullable: true,
          additionalProperties: { type: 'string' },
        },
      },
    },
    OpenAiBatchList: {
      type: 'object',
      properties: {
        object: { type: 'string', enum: ['list'] },
        data: { type: 'array', items: ref('OpenAiBatch') },
        first_id: nullableString,
        last_id: nullableString,
        has_more: { type: 'boolean' },
      },
    },
  };
}

/** The OpenAI-compatible routes: request bodies as the facade validates them, answers in OpenAI's shapes. */
function openAiPaths(): Record<string, unknown> {
  const openAiError = { description: "error, in OpenAI's shape {error: {message, type, code, param}}" };
  const post = (summary: string, request: object) => ({
    post: {
      tags: ['OpenAI-compatible'],
      summary,
      requestBody: { required: true, content: request },
      responses: { '200': { description: "OpenAI's answer shape" }, '4XX': openAiError, '5XX': openAiError },
    },
  });
  return {
    '/v1/chat/completions': post(
      'Chat completion (stream: true for server-sent events)',
      json(ref('OpenAiChatCompletionRequest')),
    ),
    '/v1/embeddings': post('Embeddings', json(ref('OpenAiEmbeddingRequest'))),
    '/v1/audio/speech': post('Speech: raw audio bytes', json(ref('OpenAiSpeechRequest'))),
    '/v1/images/generations': post('Image generation', json(ref('OpenAiImageGenerationRequest'))),
    '/v1/audio/transcriptions': post('Transcription of an uploaded file', {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file', 'model'],
          properties: { file: { type: 'string', format: 'binary' }, model: { type: 'string' } },
        },
      },
    }),
    '/v1/models': {
      get: {
        tags: ['OpenAI-compatible'],
        summary: 'Every adapter as a model, and auto',
        responses: { '200': { description: 'list' } },
      },
    },
    ...responsePaths(),
    ...fileAndBatchPaths(),
  };
}

/** `/v1/responses`: OpenAI's Responses API on the chat path, stored responses kept RESPONSES_TTL_S. */
function responsePaths(): Record<string, unknown> {
  const openAiError = { description: "error, in OpenAI's shape {error: {message, type, code, param}}" };
  const failures = { '4XX': openAiError, '5XX': openAiError };
  const tags = ['OpenAI-compatible'];
  const responseId = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: '`resp_…`',
  };
  const response = {
    description: 'the response object: {id, object: response, status, model, output, usage, …}',
  };
  return {
    '/v1/responses': {
      post: {
        tags,
        summary:
          'A response (one chat job): input as a string or message items (input_text, input_image as a data URL); previous_response_id continues a stored one; not yet stream, background or tools',
        requestBody: { required: true, content: json(ref('OpenAiResponseCreateRequest')) },
        responses: { '200': response, ...failures },
      },
    },
    '/v1/responses/{id}': {
      get: {
        tags,
        summary: 'A stored response',
        parameters: [responseId],
        responses: { '200': response, ...failures },
      },
      delete: {
        tags,
        summary: 'Forget a stored response (a follow-up naming it is then 404)',
        parameters: [responseId],
        responses: { '200': { description: '{id, object: response, deleted: true}' }, ...failures },
      },
    },
    '/v1/responses/{id}/input_items': {
      get: {
        tags,
        summary: "A stored response's input items, newest first (order=asc: oldest first)",
        parameters: [
          responseId,
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string' },
            description: 'the last id of the previous page',
          },
        ],
        responses: {
          '200': { description: 'a page: {object: list, data, first_id, last_id, has_more}' },
          ...failures,
        },
      },
    },
  };
}

/** `/v1/files` and `/v1/batches`: OpenAI's batch API, run by the gateway's own queues. */
function fileAndBatchPaths(): Record<string, unknown> {
  const openAiError = { description: "error, in OpenAI's shape {error: {message, type, code, param}}" };
  const failures = { '4XX': openAiError, '5XX': openAiError };
  const tags = ['OpenAI-compatible'];
  const id = (description: string) => ({
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description,
  });
  const fileId = id('`file-…`');
  const batchId = id('`batch_…`');
  const batch = { description: 'the batch object', content: json(ref('OpenAiBatch')) };
  return {
    '/v1/files': {
      post: {
        tags,
        summary:
          'Upload a file, streamed to the blob store: a batch input (JSONL, at most BATCH_MAX_BYTES) or media to use as a /v1/infer input by fileId (user_data, vision: at most BLOB_MAX_BYTES)',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file', 'purpose'],
                properties: {
                  file: { type: 'string', format: 'binary' },
                  purpose: { type: 'string', enum: ['batch', 'user_data', 'vision'] },
                },
              },
            },
          },
        },
        responses: {
          '200': { description: 'the file object', content: json(ref('OpenAiFile')) },
          ...failures,
        },
      },
      get: {
        tags,
        summary: 'Files, newest first (order=asc: oldest first)',
        parameters: [
          {
            name: 'purpose',
            in: 'query',
            schema: { type: 'string', enum: ['batch', 'batch_output', 'user_data', 'vision'] },
          },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 10000, default: 10000 },
          },
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string' },
            description: 'the last id of the previous page',
          },
        ],
        responses: {
          '200': {
            description: 'a page: {object: list, data, first_id, last_id, has_more}',
            content: json({ type: 'object' }),
          },
          ...failures,
        },
      },
    },
    '/v1/files/{id}': {
      get: {
        tags,
        summary: 'A file object',
        parameters: [fileId],
        responses: {
          '200': { description: 'the file object', content: json(ref('OpenAiFile')) },
          ...failures,
        },
      },
      delete: {
        tags,
        summary:
          'Forget a file (409 while a batch that has not ended reads it); its content-addressed bytes go with the blob expiry',
        parameters: [fileId],
        responses: { '200': { description: '{id, object: file, deleted: true}' }, ...failures },
      },
    },
    '/v1/files/{id}/content': {
      get: {
        tags,
        summary: "A file's bytes (a batch input, output or error file: JSONL)",
        parameters: [fileId],
        responses: {
          '200': {
            description: 'the bytes',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...failures,
        },
      },
    },
    '/v1/batches': {
      post: {
        tags,
        summary:
          'Create a batch of the lines of an uploaded file; `webhook` is an omnigate extension, called when the batch ends',
        requestBody: { required: true, content: json(ref('OpenAiBatchCreateRequest')) },
        responses: { '200': batch, ...failures },
      },
      get: {
        tags,
        summary: 'Batches, newest first',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string' },
            description: 'the last id of the previous page',
          },
        ],
        responses: {
          '200': { description: 'a page', content: json(ref('OpenAiBatchList')) },
          ...failures,
        },
      },
    },
    '/v1/batches/{id}': {
      get: { tags, summary: 'A batch', parameters: [batchId], responses: { '200': batch, ...failures } },
    },
    '/v1/batches/{id}/cancel': {
      post: {
        tags,
        summary:
          'Cancel a batch: no more lines are queued, lines in flight finish (an ended batch is returned as it is)',
        parameters: [batchId],
        responses: { '200': batch, ...failures },
      },
    },
    '/v1/batches/{id}/events': {
      get: {
        tags,
        summary:
          "omnigate extension: a batch's events as server-sent events: its status, progress (request_counts), each new status, then completed, failed, cancelled or expired with the batch object",
        parameters: [batchId],
        responses: {
          '200': {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...failures,
        },
      },
    },
  };
}

const describe = (modalities: readonly string[]) =>
  `Any-in, any-out inference gateway. Modalities: ${modalities.join(', ')}.`;

/**
 * Brings the document's list of modalities up to date (the document is served as this very
 * object, so registered modalities show at once).
 */
export function describeModalities(document: Record<string, unknown>, modalities: readonly string[]): void {
  const info = document.info as Record<string, unknown>;
  info.description = describe(modalities);
  info['x-modalities'] = [...modalities];
  const schemas = (document.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
  schemas.KnownModality = { type: 'string', enum: [...modalities] };
}

/** The OpenAPI 3.0 description served at /docs. */
export function buildOpenApiDocument(
  version: string,
  modalities: readonly string[] = BUILTIN_MODALITIES,
): Record<string, unknown> {
  const jobId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const blobId = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[a-f0-9]{64}$' },
  };
  const document: Record<string, unknown> = {
    openapi: '3.0.3',
    info: {
      title: 'omnigate',
      version,
      description: describe(modalities),
    },
    paths: {
      '/v1/infer': {
        post: {
          summary: 'Run an inference: detect the inputs, route them through an adapter, return the output',
          requestBody: {
            required: true,
            content: {
              ...json(ref('InferRequest')),
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  description:
                    'Each file field is an input, in order; a `text` field is a text input; other fields as in the JSON body (`options`, `webhook` and an object `output` as JSON strings).',
                  properties: {
                    file: { type: 'string', format: 'binary' },
                    text: { type: 'string' },
                    output: { type: 'string' },
                    task: { type: 'string' },
                    adapter: { type: 'string' },
                    options: { type: 'string' },
                    mode: { type: 'string', enum: ['sync', 'async'] },
                    timeoutMs: { type: 'integer' },
                    priority: { type: 'integer' },
                  },
                  required: ['output'],
                },
              },
            },
          },
          responses: {
            '200': {
              description:
                'The completed job; with `Accept: <media type>`, the raw bytes of the single output',
              content: json(ref('JobResult')),
            },
            '202': {
              description: 'Queued (async) or still running after timeoutMs',
              content: json(ref('JobResult')),
            },
            ...errors(400, 404, 406, 413, 415, 422, 502, 504),
          },
        },
      },
      '/v1/detect': {
        post: {
          summary: 'Detect and probe inputs (modality, media type, metadata) without running anything',
          requestBody: {
            required: true,
            content: {
              ...json(ref('DetectRequest')),
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  description:
                    'Each file field is an input; a `modality` or `mediaType` field describes the input before it.',
                  properties: {
                    file: { type: 'string', format: 'binary' },
                    text: { type: 'string' },
                    modality: { type: 'string' },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'one detection per input',
              content: json({
                type: 'object',
                properties: { detected: { type: 'array', items: ref('Detection') } },
              }),
            },
            ...errors(400, 404, 413, 415, 422),
          },
        },
      },
      '/v1/routes': {
        get: {
          summary: 'The route the router would take (and its fallbacks), without running it',
          parameters: [
            {
              name: 'from',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'modality, or several joined by commas',
            },
            { name: 'to', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'task', in: 'query', schema: { type: 'string' } },
            { name: 'adapter', in: 'query', schema: { type: 'string' } },
            { name: 'domain', in: 'query', schema: { type: 'string' } },
            { name: 'mediaType', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'the plan',
              content: json({
                type: 'object',
                properties: {
                  route: { type: 'array', items: ref('RouteStep') },
                  alternatives: { type: 'array', items: { type: 'array', items: ref('RouteStep') } },
                },
              }),
            },
            ...errors(400, 404, 422),
          },
        },
      },
      '/v1/capabilities': {
        get: {
          summary: 'The modality matrix: for each (from, to) pair, the route the router would take, or null',
          responses: { '200': { description: 'the matrix' } },
        },
      },
      '/v1/whoami': {
        get: {
          summary:
            "Whether this gateway needs keys, and the presented key's name and scopes (any valid key; never the key itself): the web console asks it to say which pages a key opens",
          responses: {
            '200': {
              description: 'who the key is',
              content: json({
                type: 'object',
                required: ['keysRequired', 'key'],
                properties: {
                  keysRequired: { type: 'boolean' },
                  key: {
                    type: ['object', 'null'],
                    properties: {
                      name: { type: 'string' },
                      scopes: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              }),
            },
            ...errors(401),
          },
        },
      },
      '/v1/jobs': {
        get: {
          summary: `Recent jobs (created within JOB_TTL_S), newest first, a page at a time: follow next_cursor while has_more. With status, a page reads at most ${MAX_READ_PER_PAGE} jobs, so it may hold fewer than limit (even none) and still have more`,
          parameters: queryParameters(ListJobsQuerySchema),
          responses: { '200': { description: 'a page', content: json(ref('JobList')) }, ...errors(400) },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary: 'A job and its result',
          parameters: [jobId],
          responses: { '200': { description: 'the job', content: json(ref('JobResult')) }, ...errors(404) },
        },
      },
      '/v1/jobs/{id}/events': {
        get: {
          summary:
            "A job's events as server-sent events: queued, active, progress, delta, then completed, failed or cancelled with the result",
          parameters: [jobId],
          responses: {
            '200': {
              description: 'text/event-stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors(404),
          },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          summary:
            'Cancel a queued or running job (a running hop is aborted); an ended job is returned as it is',
          parameters: [jobId],
          responses: { '200': { description: 'the job', content: json(ref('JobResult')) }, ...errors(404) },
        },
      },
      '/v1/blobs': {
        post: {
          summary: 'Upload a blob (raw body of any media type, or one multipart file), streamed',
          requestBody: {
            required: true,
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              'multipart/form-data': {
                schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
              },
            },
          },
          responses: {
            '201': {
              description: 'Stored; the id is the sha256 of the content',
              content: json({
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  bytes: { type: 'integer' },
                  mediaType: { type: 'string' },
                  filename: { type: 'string' },
                  createdAt: { type: 'string' },
                  url: { type: 'string' },
                },
              }),
            },
            ...errors(400, 413),
          },
        },
      },
      '/v1/blobs/{id}': {
        get: {
          summary: 'Download a blob with its media type',
          parameters: [blobId],
          responses: { '200': { description: 'the bytes' }, ...errors(404) },
        },
      },
      '/v1/adapters': {
        get: {
          summary: 'The adapters this gateway can route to',
          responses: {
            '200': {
              description: 'adapters',
              content: json({
                type: 'object',
                properties: { adapters: { type: 'array', items: ref('AdapterDescriptor') } },
              }),
            },
          },
        },
        post: {
          summary: 'Register an adapter at runtime on every process (scope admin)',
          requestBody: { required: true, content: json(ref('AdapterRegistration')) },
          responses: { '201': { description: 'registered' }, ...errors(400, 401, 403, 409, 422) },
        },
      },
      '/v1/adapters/{id}': {
        delete: {
          summary: 'Remove a registered adapter everywhere (scope admin); running jobs finish',
          parameters: [jobId],
          responses: { '200': { description: 'removed' }, ...errors(401, 403, 404) },
        },
      },
      ...openAiPaths(),
      '/metrics': {
        get: {
          summary: 'Prometheus metrics of this process, text exposition format (scope metrics or admin)',
          responses: {
            '200': { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors(401, 403),
          },
        },
      },
      '/health/live': { get: { summary: 'The process is up', responses: { '200': { description: 'ok' } } } },
      '/health/ready': {
        get: {
          summary: 'The queue backend answers',
          responses: { '200': { description: 'ok' }, ...errors(503) },
        },
      },
    },
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from API_KEYS; required on every /v1 route when API_KEYS is set',
        },
      },
    },
    security: [{ bearer: [] }],
  };
  describeModalities(document, modalities);
  return document;
}
