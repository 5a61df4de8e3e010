import { BATCH_ENDPOINTS } from '../batches/batch-object';
import { json, openAiFailures, pageParameters, ref } from './openapi-parts';

/** The OpenAI-compatible part of the OpenAPI document: the facade, Responses, files and batches. */

/** OpenAI's file and batch objects, as the gateway answers them (see batch-object.ts, file-object.ts). */
export function fileAndBatchSchemas(): Record<string, unknown> {
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
export function openAiPaths(): Record<string, unknown> {
  const post = (summary: string, request: object) => ({
    post: {
      tags: ['OpenAI-compatible'],
      summary,
      requestBody: { required: true, content: request },
      responses: { '200': { description: "OpenAI's answer shape" }, ...openAiFailures },
    },
  });
  return {
    '/v1/chat/completions': post(
      'Chat completion (stream: true for server-sent events); modalities ["text", "audio"] with audio {voice, format} adds a spoken answer (message.audio, or delta.audio transcript pieces then data when streamed) said by a speech job after the chat job',
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
    ...conversationPaths(),
    ...fileAndBatchPaths(),
  };
}

/** `/v1/responses`: OpenAI's Responses API on the chat path, stored responses kept RESPONSES_TTL_S. */
function responsePaths(): Record<string, unknown> {
  const failures = openAiFailures;
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
          'A response (one chat job): input as a string or message items (input_text, output_text, input_image, input_audio, input_file: media of any modality, inline or by file_id, kept by blob id); previous_response_id continues a stored, completed one (404 response_expired past RESPONSES_TTL_S); conversation (an id or {id}; not with previous_response_id, not in the background) continues a conversation and adds the input and output items to it; tools: [{type: image_generation}] answers an image_generation_call item from the image route; modalities + audio add an output_audio part; stream: true answers Responses server-sent events; background: true answers at once with status queued (needs store; not with stream)',
        requestBody: { required: true, content: json(ref('OpenAiResponseCreateRequest')) },
        responses: {
          '200': {
            description: `${response.description}; with stream, text/event-stream of response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta…, response.output_text.done, response.content_part.done, response.output_item.done, then response.completed, response.incomplete or response.failed (each with sequence_number)`,
            content: {
              'application/json': { schema: { type: 'object' } },
              'text/event-stream': { schema: { type: 'string' } },
            },
          },
          ...failures,
        },
      },
    },
    '/v1/responses/{id}': {
      get: {
        tags,
        summary:
          'A stored response; a background one as its job stands: queued, in_progress, then completed, failed or cancelled (x-omnigate-job names the job)',
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
    '/v1/responses/{id}/cancel': {
      post: {
        tags,
        summary:
          "Cancel a background response's job: the response, cancelled (one that ended as it is); 400 for a response not made in the background",
        parameters: [responseId],
        responses: { '200': response, ...failures },
      },
    },
    '/v1/responses/{id}/input_items': {
      get: {
        tags,
        summary: "A stored response's input items, newest first (order=asc: oldest first)",
        parameters: [
          responseId,
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
          ...pageParameters({ maximum: 100, default: 20 }),
        ],
        responses: {
          '200': { description: 'a page: {object: list, data, first_id, last_id, has_more}' },
          ...failures,
        },
      },
    },
  };
}

/**
 * `/v1/conversations`: OpenAI's Conversations API, kept RESPONSES_TTL_S from the last change; at
 * most 1,000 items of at most 4 MiB each (as JSON), 32 MiB in all.
 */
function conversationPaths(): Record<string, unknown> {
  const failures = openAiFailures;
  const tags = ['OpenAI-compatible'];
  const conversationId = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: '`conv_…`',
  };
  const itemId = { name: 'item_id', in: 'path', required: true, schema: { type: 'string' } };
  const conversation = { description: '{id, object: conversation, created_at, metadata}' };
  const page = { description: 'a page: {object: list, data, first_id, last_id, has_more}' };
  return {
    '/v1/conversations': {
      post: {
        tags,
        summary:
          'Create a conversation with up to 20 message items (input_text, input_image as a data URL, output_text) and metadata; another item or part type is 400 naming it',
        requestBody: { required: false, content: json(ref('OpenAiConversationCreateRequest')) },
        responses: { '200': conversation, ...failures },
      },
    },
    '/v1/conversations/{id}': {
      get: {
        tags,
        summary: 'A conversation',
        parameters: [conversationId],
        responses: { '200': conversation, ...failures },
      },
      post: {
        tags,
        summary: "Replace a conversation's metadata",
        parameters: [conversationId],
        requestBody: { required: true, content: json(ref('OpenAiConversationUpdateRequest')) },
        responses: { '200': conversation, ...failures },
      },
      delete: {
        tags,
        summary: 'Delete a conversation and its items',
        parameters: [conversationId],
        responses: {
          '200': { description: '{id, object: conversation.deleted, deleted: true}' },
          ...failures,
        },
      },
    },
    '/v1/conversations/{id}/items': {
      get: {
        tags,
        summary:
          "A conversation's items, newest first (order=asc: oldest first); include is accepted and ignored (image URLs are always there)",
        parameters: [
          conversationId,
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
          ...pageParameters({ maximum: 100, default: 20 }),
        ],
        responses: { '200': page, ...failures },
      },
      post: {
        tags,
        summary:
          'Add up to 20 items after the last (all or none; 400 beyond 1,000 items, for an id the conversation has, or an item too large)',
        parameters: [conversationId],
        requestBody: { required: true, content: json(ref('OpenAiConversationItemsCreateRequest')) },
        responses: { '200': { description: 'the items added, as a list' }, ...failures },
      },
    },
    '/v1/conversations/{id}/items/{item_id}': {
      get: {
        tags,
        summary: 'An item of a conversation',
        parameters: [conversationId, itemId],
        responses: { '200': { description: 'the item' }, ...failures },
      },
      delete: {
        tags,
        summary: 'Delete an item; answers the conversation',
        parameters: [conversationId, itemId],
        responses: { '200': conversation, ...failures },
      },
    },
  };
}

/** `/v1/files` and `/v1/batches`: OpenAI's batch API, run by the gateway's own queues. */
function fileAndBatchPaths(): Record<string, unknown> {
  const failures = openAiFailures;
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
          ...pageParameters({ maximum: 10000, default: 10000 }),
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
        parameters: [...pageParameters({ maximum: 100, default: 20 })],
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
