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
import { CreateBatchSchema } from '../batches/batch-object';
import { MAX_READ_PER_PAGE } from '../jobs/job-list';
import { errors, json, ref } from './openapi-parts';
import { fileAndBatchSchemas, openAiPaths } from './openai-paths';

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
          summary:
            'The modality matrix: for each (from, to) pair, the route the router would take, or null; and `tasks`: every task an adapter performs (detect, faces, transcribe ...), with its adapters and their (from → to) edges',
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
          responses: {
            '200': { description: 'the bytes' },
            '307': {
              description:
                'with BLOB_STORE=s3 and S3_PRESIGN_TTL_S: a presigned URL of the bucket (in Location) that serves the bytes for that many seconds',
            },
            ...errors(404, 503),
          },
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
