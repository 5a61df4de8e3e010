import {
  BlobIdSchema,
  FileIdSchema,
  InferRequestSchema,
  type InferRequest,
  type InputPart,
} from '@omnigate/contracts';
import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord } from '../jobs/job-record';
import type { EndpointDeps, EndpointJobs, FacadeEndpoint } from './facade-endpoint';
import { outputText, singleOutput } from './facade-job';
import type { ModelCatalog } from './model-catalog';

/** The endpoint's multipart fields besides the file. */
export const TranscriptionFieldsSchema = z.object({
  model: z.string().min(1).max(256),
  language: z.string().optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'verbose_json', 'srt', 'vtt']).default('json'),
  temperature: z.coerce.number().min(0).max(1).optional(),
  timestamp_granularities: z.array(z.enum(['word', 'segment'])).optional(),
});
export type TranscriptionFields = z.infer<typeof TranscriptionFieldsSchema>;

/** A transcription line's body: the endpoint's fields, and the audio as a file id or blob id. */
const TranscriptionLineSchema = z.looseObject({ file: z.union([FileIdSchema, BlobIdSchema]) });

const TRANSCRIPT_CONTENT_TYPES = {
  text: 'text/plain; charset=utf-8',
  srt: 'text/plain; charset=utf-8',
  vtt: 'text/plain; charset=utf-8',
} as const;

/**
 * A transcription as a job: task `transcribe` of the model's adapter, the other fields as
 * options.
 */
export function transcriptionJobRequest(
  body: TranscriptionFields,
  file: InputPart,
  models: ModelCatalog,
  priority?: number,
): InferRequest {
  const resolved = models.resolve(body.model, 'transcribe');
  const task = models.taskFor('transcribe', resolved);
  const { model: _model, ...options } = body;
  return InferRequestSchema.parse({
    inputs: [file],
    output: { modality: 'text' },
    ...(task ? { task } : {}),
    ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
    options,
    ...(priority !== undefined ? { priority } : {}),
  });
}

/**
 * A transcription's job and answers, by `response_format`: `json` is `{text}`; `verbose_json`
 * is the adapter's JSON (sent as it came; a line's body is it parsed); `text`, `srt` and `vtt`
 * are the text itself (text/plain; a line's body is the string).
 */
export function transcriptionJobs(
  body: TranscriptionFields,
  file: InputPart,
  deps: EndpointDeps,
  priority?: number,
): EndpointJobs {
  const format = body.response_format;
  const transcript = (record: JobRecord) => outputText(deps.blobs, singleOutput(record, 'text'));
  return {
    requests: [transcriptionJobRequest(body, file, deps.models, priority)],
    reply: async ([record]) => {
      const content = await transcript(record!);
      if (format === 'json') return { record: record!, json: { text: content } };
      const contentType =
        format === 'verbose_json' ? 'application/json; charset=utf-8' : TRANSCRIPT_CONTENT_TYPES[format];
      return { record: record!, bytes: content, headers: { 'content-type': contentType } };
    },
    lineBody: async ([record]) => {
      const content = await transcript(record!);
      if (format === 'json') return { text: content };
      if (format === 'verbose_json') return parseVerboseJson(content);
      return content;
    },
  };
}

/**
 * `POST /v1/audio/transcriptions`, defined once for the endpoint and its batch lines; a line
 * names its audio by an uploaded file's id (or a blob id) where the endpoint takes a multipart file.
 */
export const transcriptionsEndpoint: FacadeEndpoint = {
  lineJobs(body, deps, priority) {
    const { file, ...fields } = TranscriptionLineSchema.parse(body);
    const transcription = TranscriptionFieldsSchema.parse(fields);
    const input = FileIdSchema.safeParse(file).success ? { fileId: file } : { blobId: file };
    return transcriptionJobs(transcription, input, deps, priority);
  },
};

/** The verbose JSON a line answers; a transcript that is not JSON is refused as batch lines always were. */
function parseVerboseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GatewayError('invalid_request', 'the line is not valid JSON', undefined, { cause: err });
  }
}
