// A local OpenAI-compatible server for tests and benchmarks: answers like the real API with
// deterministic content, records every request, and plays scripted failures (429, 5xx, slow, hang,
// and `failAfterChunks`: a chat stream that breaks off with an error event after that many chunks).
// Plain ESM so that vitest (TypeScript) and node scripts in bench/ both import it.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import sharp from 'sharp';

/** Models the server knows; any other name is 404 `model_not_found`, as on api.openai.com. */
export const TEST_SERVER_MODELS = [
  'gpt-4o-mini',
  'gpt-4o',
  'whisper-1',
  'gpt-4o-mini-transcribe',
  'gpt-4o-mini-tts',
  'tts-1',
  'gpt-image-1',
  'dall-e-2',
  'dall-e-3',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'text-embedding-ada-002',
];

const VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'onyx',
  'nova',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
];
const SPEECH_FORMATS = {
  mp3: { contentType: 'audio/mpeg', args: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'] },
  opus: { contentType: 'audio/opus', args: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'] },
  aac: { contentType: 'audio/aac', args: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'] },
  flac: { contentType: 'audio/flac', args: ['-c:a', 'flac', '-f', 'flac'] },
  wav: { contentType: 'audio/wav' },
  pcm: { contentType: 'audio/pcm' },
};
const IMAGE_FORMATS = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const SPEECH_SAMPLE_RATE = 24_000;
const CREATED = 1_700_000_000;

/**
 * Starts the server. Options: `port` (0 = free port), `host`, `chunkDelayMs` (between streamed
 * chunks), `apiKey` (when set, any other bearer is 401), `models` (known model ids), `ffmpegPath`,
 * `embeddingFormat` (`requested`: honours encoding_format; `float`: floats whatever was asked).
 */
export async function startOpenAiTestServer(options = {}) {
  const settings = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    chunkDelayMs: options.chunkDelayMs ?? 0,
    apiKey: options.apiKey,
    models: new Set(options.models ?? TEST_SERVER_MODELS),
    ffmpegPath: options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg',
    embeddingFormat: options.embeddingFormat ?? 'requested',
  };
  const requests = [];
  const scripts = [];
  const images = new Map();
  const encoded = new Map();
  const pending = new Set();
  let sequence = 0;

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024 * 1024,
    forceCloseConnections: true,
  });
  await app.register(multipart, { limits: { fileSize: 64 * 1024 * 1024, files: 1 } });

  app.setErrorHandler((error, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    void reply
      .code(status)
      .send(errorBody(error.message, status >= 500 ? 'server_error' : 'invalid_request_error'));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(errorBody(`Invalid URL (${request.method} ${request.url})`, 'invalid_request_error'));
  });

  /** Records the request, then plays a scripted behaviour if one is queued for this path. */
  const route = (method, path, handler) => {
    app.route({
      method,
      url: path,
      handler: async (request, reply) => {
        const body = request.isMultipart() ? await readMultipart(request) : request.body;
        const record = recordOf(request, body);
        requests.push(record);
        const closed = connectionClosed(reply);
        if (settings.apiKey !== undefined && record.bearer !== settings.apiKey) {
          return reply
            .code(401)
            .send(
              errorBody(
                `Incorrect API key provided: ${maskKey(record.bearer ?? '')}. You can find your API key at https://platform.openai.com/account/api-keys.`,
                'invalid_request_error',
                null,
                'invalid_api_key',
              ),
            );
        }
        const index = scripts.findIndex(
          (behaviour) => behaviour.path === undefined || behaviour.path === request.url,
        );
        const behaviour = index === -1 ? {} : scripts.splice(index, 1)[0];
        record.scripted = index === -1 ? undefined : behaviour;
        if (behaviour.hang) {
          reply.hijack();
          pending.add(reply.raw);
          await closed.promise;
          pending.delete(reply.raw);
          return;
        }
        if (behaviour.delayMs) {
          await Promise.race([sleep(behaviour.delayMs), closed.promise]);
          if (closed.done) {
            reply.hijack();
            return;
          }
        }
        if (behaviour.status !== undefined) {
          const headers = { ...behaviour.headers };
          if (behaviour.retryAfter !== undefined) headers['retry-after'] = String(behaviour.retryAfter);
          if (behaviour.retryAfterMs !== undefined)
            headers['retry-after-ms'] = String(behaviour.retryAfterMs);
          return reply
            .code(behaviour.status)
            .headers(headers)
            .send(behaviour.body ?? defaultErrorBody(behaviour.status));
        }
        reply.header('x-request-id', `req_${++sequence}`);
        return handler(request, reply, body, { ...behaviour, closed });
      },
    });
  };

  const requireModel = (reply, model) => {
    if (typeof model !== 'string' || model === '') {
      void reply
        .code(400)
        .send(errorBody('you must provide a model parameter', 'invalid_request_error', null, null));
      return false;
    }
    if (!settings.models.has(model)) {
      void reply
        .code(404)
        .send(
          errorBody(
            `The model \`${model}\` does not exist or you do not have access to it.`,
            'invalid_request_error',
            null,
            'model_not_found',
          ),
        );
      return false;
    }
    return true;
  };

  route('GET', '/v1/models', async () => ({
    object: 'list',
    data: [...settings.models].map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'system' })),
  }));

  route('GET', '/v1/models/:model', async (request, reply) => {
    const { model } = request.params;
    if (!requireModel(reply, model)) return reply;
    return { id: model, object: 'model', created: CREATED, owned_by: 'system' };
  });

  route('POST', '/v1/chat/completions', async (request, reply, body, behaviour) => {
    if (!requireModel(reply, body?.model)) return reply;
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return reply
        .code(400)
        .send(
          errorBody(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            'invalid_request_error',
            'messages',
            'empty_array',
          ),
        );
    }
    const reading = readMessages(body.messages);
    if (reading.error)
      return reply
        .code(400)
        .send(errorBody(reading.error, 'invalid_request_error', 'messages', 'invalid_value'));
    // A scripted `content` (a string, or a function of the request body) replaces the echo.
    const answer =
      behaviour.content === undefined
        ? chatAnswer(reading, body.response_format)
        : String(typeof behaviour.content === 'function' ? behaviour.content(body) : behaviour.content);
    const limit = body.max_completion_tokens ?? body.max_tokens;
    let pieces = answer.split(/(?<= )/);
    let finishReason = 'stop';
    if (typeof limit === 'number' && limit < pieces.length) {
      pieces = pieces.slice(0, Math.max(limit, 0));
      finishReason = 'length';
    }
    const n = body.n ?? 1;
    const id = `chatcmpl-test${++sequence}`;
    const usage = {
      prompt_tokens: reading.promptTokens,
      completion_tokens: pieces.length * n,
      total_tokens: reading.promptTokens + pieces.length * n,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    const base = {
      id,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      service_tier: 'default',
      system_fingerprint: 'fp_omnigate_test',
    };
    if (!body.stream) {
      return {
        ...base,
        object: 'chat.completion',
        choices: Array.from({ length: n }, (_, index) => ({
          index,
          message: { role: 'assistant', content: pieces.join(''), refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason,
        })),
        usage,
      };
    }
    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices, extra = {}) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    });
    const delta = (content, finish = null) =>
      Array.from({ length: n }, (_, index) => ({
        index,
        delta: content,
        logprobs: null,
        finish_reason: finish,
      }));
    const events = [
      chunk(delta({ role: 'assistant', content: '', refusal: null })),
      ...pieces.map((piece) => chunk(delta({ content: piece }))),
      chunk(delta({}, finishReason)),
      ...(includeUsage ? [chunk([], { usage })] : []),
    ];
    const delayMs = behaviour.chunkDelayMs ?? settings.chunkDelayMs;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': `req_${sequence}`,
    });
    for (const [index, event] of events.entries()) {
      if (behaviour.closed.done) return;
      if (index > 0 && delayMs > 0) await Promise.race([sleep(delayMs), behaviour.closed.promise]);
      if (behaviour.closed.done) return;
      // A scripted failure mid-stream: OpenAI's error body as an event, as the API sends one.
      if (behaviour.failAfterChunks !== undefined && index === behaviour.failAfterChunks) {
        raw.end(
          `data: ${JSON.stringify(errorBody('The server had an error while streaming.', 'server_error'))}\n\n`,
        );
        return;
      }
      raw.write(`data: ${JSON.stringify(event)}\n\n`);
    }
    raw.end('data: [DONE]\n\n');
  });

  route('POST', '/v1/audio/transcriptions', async (request, reply, body) => {
    if (!body?.file) {
      return reply
        .code(400)
        .send(
          errorBody(
            "Invalid 'file': a file upload is required (multipart/form-data).",
            'invalid_request_error',
            'file',
            null,
          ),
        );
    }
    if (!requireModel(reply, body.fields.model)) return reply;
    const { file, fields } = body;
    const durationS = wavDurationS(file.data) ?? file.bytes / 16_000;
    const text = `Transcript of ${file.filename}: ${file.bytes} bytes of ${file.mimetype}, ${durationS.toFixed(2)} seconds${fields.language ? `, language ${fields.language}` : ''}.`;
    const format = fields.response_format ?? 'json';
    switch (format) {
      case 'json':
        return { text, usage: { type: 'duration', seconds: Math.ceil(durationS) } };
      case 'text':
        return reply.type('text/plain; charset=utf-8').send(`${text}\n`);
      case 'srt':
        return reply
          .type('text/plain; charset=utf-8')
          .send(`1\n00:00:00,000 --> ${srtTime(durationS, ',')}\n${text}\n\n`);
      case 'vtt':
        return reply
          .type('text/plain; charset=utf-8')
          .send(`WEBVTT\n\n00:00:00.000 --> ${srtTime(durationS, '.')}\n${text}\n\n`);
      case 'verbose_json': {
        const words = text.split(' ');
        const step = durationS / words.length;
        const granularities = [].concat(fields['timestamp_granularities[]'] ?? []);
        return {
          task: 'transcribe',
          language: fields.language ?? 'english',
          duration: durationS,
          text,
          segments: [
            {
              id: 0,
              seek: 0,
              start: 0,
              end: durationS,
              text,
              tokens: words.map((_, i) => 1000 + i),
              temperature: Number(fields.temperature ?? 0),
              avg_logprob: -0.2,
              compression_ratio: 1.2,
              no_speech_prob: 0.01,
            },
          ],
          ...(granularities.includes('word')
            ? { words: words.map((word, i) => ({ word, start: i * step, end: (i + 1) * step })) }
            : {}),
          usage: { type: 'duration', seconds: Math.ceil(durationS) },
        };
      }
      default:
        return reply
          .code(400)
          .send(
            errorBody(
              `Invalid value for 'response_format': ${format}.`,
              'invalid_request_error',
              'response_format',
              'invalid_value',
            ),
          );
    }
  });

  route('POST', '/v1/audio/speech', async (request, reply, body) => {
    if (!requireModel(reply, body?.model)) return reply;
    if (typeof body.input !== 'string' || body.input.length === 0 || body.input.length > 4096) {
      return reply
        .code(400)
        .send(
          errorBody(
            "Invalid 'input': a string of 1 to 4096 characters is required.",
            'invalid_request_error',
            'input',
            'invalid_value',
          ),
        );
    }
    if (!VOICES.includes(body.voice)) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Invalid value for 'voice': ${String(body.voice)}.`,
            'invalid_request_error',
            'voice',
            'invalid_value',
          ),
        );
    }
    const format = body.response_format ?? 'mp3';
    const spec = SPEECH_FORMATS[format];
    if (!spec) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Invalid value for 'response_format': ${format}.`,
            'invalid_request_error',
            'response_format',
            'invalid_value',
          ),
        );
    }
    const speed = typeof body.speed === 'number' ? body.speed : 1;
    const durationS = Math.min(30, Math.max(0.5, (0.3 + body.input.length * 0.06) / speed));
    const frequencyHz = 180 + (hashInt(body.voice) % 400);
    const key = `${format}:${durationS.toFixed(2)}:${frequencyHz}`;
    if (!encoded.has(key)) {
      const wav = sineWav(durationS, frequencyHz);
      const promise =
        format === 'wav'
          ? Promise.resolve(wav)
          : format === 'pcm'
            ? Promise.resolve(wav.subarray(44))
            : encodeWithFfmpeg(settings.ffmpegPath, wav, spec.args);
      promise.catch(() => encoded.delete(key));
      encoded.set(key, promise);
    }
    const audio = await encoded.get(key);
    return reply.type(spec.contentType).send(audio);
  });

  route('POST', '/v1/images/generations', async (request, reply, body) => {
    if (!requireModel(reply, body?.model)) return reply;
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '') {
      return reply
        .code(400)
        .send(
          errorBody(
            "Invalid 'prompt': a non-empty string is required.",
            'invalid_request_error',
            'prompt',
            'invalid_value',
          ),
        );
    }
    const gptImage = body.model.startsWith('gpt-image');
    if (gptImage && body.response_format !== undefined) {
      return reply
        .code(400)
        .send(
          errorBody(
            "Unknown parameter: 'response_format'.",
            'invalid_request_error',
            'response_format',
            'unknown_parameter',
          ),
        );
    }
    const size = body.size === undefined || body.size === 'auto' ? '1024x1024' : body.size;
    const match = /^(\d{2,4})x(\d{2,4})$/.exec(size);
    if (!match) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Invalid value for 'size': ${String(size)}.`,
            'invalid_request_error',
            'size',
            'invalid_value',
          ),
        );
    }
    const format = body.output_format ?? 'png';
    if (!IMAGE_FORMATS[format]) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Invalid value for 'output_format': ${format}.`,
            'invalid_request_error',
            'output_format',
            'invalid_value',
          ),
        );
    }
    const responseFormat = body.response_format ?? (body.model.startsWith('dall-e') ? 'url' : 'b64_json');
    const n = body.n ?? 1;
    const origin = `http://${request.headers.host}`;
    const data = [];
    for (let index = 0; index < n; index++) {
      const bytes = await solidImage(Number(match[1]), Number(match[2]), `${body.prompt}#${index}`, format);
      if (responseFormat === 'url') {
        const id = randomUUID();
        images.set(id, { bytes, contentType: IMAGE_FORMATS[format] });
        data.push({
          url: `${origin}/files/images/${id}.${format}`,
          revised_prompt: `A picture of ${body.prompt}`,
        });
      } else {
        data.push({
          b64_json: bytes.toString('base64'),
          ...(gptImage ? {} : { revised_prompt: `A picture of ${body.prompt}` }),
        });
      }
    }
    const promptTokens = countWords(body.prompt);
    return {
      created: Math.floor(Date.now() / 1000),
      data,
      ...(gptImage
        ? {
            background: body.background ?? 'opaque',
            output_format: format,
            quality: body.quality ?? 'medium',
            size,
            usage: {
              input_tokens: promptTokens,
              output_tokens: 1056 * n,
              total_tokens: promptTokens + 1056 * n,
              input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 },
            },
          }
        : {}),
    };
  });

  app.get('/files/images/:name', async (request, reply) => {
    const image = images.get(request.params.name.replace(/\.[a-z]+$/, ''));
    if (!image) return reply.code(404).send(errorBody('No such file', 'invalid_request_error'));
    return reply.type(image.contentType).send(image.bytes);
  });

  route('POST', '/v1/embeddings', async (request, reply, body) => {
    if (!requireModel(reply, body?.model)) return reply;
    const inputs = embeddingInputs(body.input);
    if (!inputs) {
      return reply
        .code(400)
        .send(
          errorBody(
            "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
            'invalid_request_error',
            'input',
            null,
          ),
        );
    }
    const dimensions = body.dimensions ?? (body.model === 'text-embedding-3-large' ? 3072 : 1536);
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 3072) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Invalid value for 'dimensions': ${String(body.dimensions)}.`,
            'invalid_request_error',
            'dimensions',
            'invalid_value',
          ),
        );
    }
    // A floats-only server ignores encoding_format, as several OpenAI-compatible servers do.
    const encoding = settings.embeddingFormat === 'float' ? 'float' : (body.encoding_format ?? 'float');
    const tokens = inputs.reduce(
      (sum, input) => sum + (typeof input === 'string' ? countWords(input) : input.length),
      0,
    );
    return {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = embeddingVector(typeof input === 'string' ? input : JSON.stringify(input), dimensions);
        return {
          object: 'embedding',
          index,
          embedding:
            encoding === 'base64'
              ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
              : Array.from(vector),
        };
      }),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });

  await app.listen({ port: settings.port, host: settings.host });
  const { port } = app.server.address();
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}/v1`;

  return {
    url,
    port,
    requests,
    /** Queues behaviours for the next calls, in order; one with `path` waits for a call to that path. */
    script(...behaviours) {
      scripts.push(...behaviours);
    },
    /** The last recorded request, optionally to one path. */
    lastRequest(path) {
      return requests.findLast((request) => path === undefined || request.path === path);
    },
    /** Forgets recorded requests and queued behaviours. */
    reset() {
      requests.length = 0;
      scripts.length = 0;
    },
    async close() {
      for (const raw of pending) raw.destroy();
      await app.close();
    },
  };
}

/** What a test asserts about one call: never the bearer inside `headers`, but the bearer itself apart. */
function recordOf(request, body) {
  const headers = { ...request.headers };
  const authorization = headers.authorization;
  if (authorization !== undefined) headers.authorization = '[redacted]';
  const bearer =
    typeof authorization === 'string' && /^Bearer /i.test(authorization) ? authorization.slice(7) : null;
  const recorded =
    body && body.file && body.fields
      ? {
          fields: body.fields,
          file: {
            field: body.file.field,
            filename: body.file.filename,
            mimetype: body.file.mimetype,
            bytes: body.file.bytes,
            sha256: body.file.sha256,
          },
        }
      : body;
  return {
    method: request.method,
    path: request.url.split('?')[0],
    headers,
    bearer,
    body: recorded,
    at: Date.now(),
  };
}

async function readMultipart(request) {
  const fields = {};
  let file;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      file = {
        field: part.fieldname,
        filename: part.filename,
        mimetype: part.mimetype,
        bytes: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        data,
      };
    } else if (fields[part.fieldname] === undefined) {
      fields[part.fieldname] = part.value;
    } else {
      fields[part.fieldname] = [].concat(fields[part.fieldname], part.value);
    }
  }
  return { fields, file };
}

/** Resolves when the client goes away before the answer is complete. */
function connectionClosed(reply) {
  const state = { done: false };
  state.promise = new Promise((resolve) => {
    reply.raw.once('close', () => {
      state.done = !reply.raw.writableFinished;
      resolve();
    });
  });
  return state;
}

function errorBody(message, type, param = null, code = null) {
  return { error: { message, type, param, code } };
}

function defaultErrorBody(status) {
  if (status === 429)
    return errorBody(
      'Rate limit reached for requests. Please try again later.',
      'requests',
      null,
      'rate_limit_exceeded',
    );
  if (status === 400) return errorBody('Bad request (scripted).', 'invalid_request_error', null, null);
  if (status === 401)
    return errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
  if (status >= 500)
    return errorBody(
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
      null,
      null,
    );
  return errorBody(`Scripted status ${status}.`, 'invalid_request_error', null, null);
}

function maskKey(key) {
  return key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '***';
}

/** What the messages hold: last user text, counts of media parts, and a rough prompt token count. */
function readMessages(messages) {
  let lastUserText = '';
  let images = 0;
  let audio = 0;
  let files = 0;
  let words = 0;
  for (const message of messages) {
    if (!message || typeof message !== 'object' || typeof message.role !== 'string')
      return { error: "Invalid 'messages': each message needs a role." };
    const parts =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : Array.isArray(message.content)
          ? message.content
          : [];
    const texts = [];
    for (const part of parts) {
      switch (part?.type) {
        case 'text':
          texts.push(part.text);
          words += countWords(part.text);
          break;
        case 'image_url': {
          const url = part.image_url?.url;
          if (typeof url !== 'string' || !/^(data:image\/[a-z+.-]+;base64,|https?:\/\/)/.test(url)) {
            return { error: "Invalid 'image_url': expected a URL or a base64 data URL of an image." };
          }
          images++;
          words += 85;
          break;
        }
        case 'input_audio':
          if (!['wav', 'mp3'].includes(part.input_audio?.format))
            return { error: "Invalid 'input_audio.format': expected wav or mp3." };
          audio++;
          break;
        case 'file':
          files++;
          break;
        default:
          return { error: `Invalid content part type: ${String(part?.type)}.` };
      }
    }
    if (message.role === 'user' && texts.length > 0) lastUserText = texts.join(' ');
  }
  return { lastUserText, images, audio, files, promptTokens: words + messages.length * 4 };
}

function chatAnswer(reading, responseFormat) {
  const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const media = [
    reading.images ? `[${plural(reading.images, 'image')}]` : '',
    reading.audio ? `[${plural(reading.audio, 'audio clip')}]` : '',
    reading.files ? `[${plural(reading.files, 'file')}]` : '',
  ].filter(Boolean);
  if (responseFormat?.type === 'json_object' || responseFormat?.type === 'json_schema') {
    return JSON.stringify({ echo: reading.lastUserText, images: reading.images, audio: reading.audio });
  }
  return [`Echo: ${reading.lastUserText}`, ...media].join(' ');
}

function countWords(text) {
  return String(text).split(/\s+/).filter(Boolean).length;
}

function hashInt(text) {
  return createHash('sha256').update(String(text)).digest().readUInt32LE(0);
}

/** A unit vector from a hash of the text: the same text gives the same vector. */
function embeddingVector(text, dimensions) {
  const vector = new Float32Array(dimensions);
  let state = hashInt(text) || 1;
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = ((state >>> 0) / 0xffffffff) * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}

function embeddingInputs(input) {
  const isTokens = (value) => Array.isArray(value) && value.length > 0 && value.every(Number.isInteger);
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (isTokens(input)) return [input];
  if (Array.isArray(input) && input.length > 0 && input.length <= 2048) {
    return input.every((item) => (typeof item === 'string' && item !== '') || isTokens(item))
      ? input
      : undefined;
  }
  return undefined;
}

/** A 16-bit mono PCM WAV of a sine with short fades, SPEECH_SAMPLE_RATE samples a second. */
function sineWav(durationS, frequencyHz) {
  const samples = Math.round(durationS * SPEECH_SAMPLE_RATE);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(SPEECH_SAMPLE_RATE, 24);
  wav.writeUInt32LE(SPEECH_SAMPLE_RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  const fade = Math.min(samples / 2, SPEECH_SAMPLE_RATE * 0.02);
  for (let i = 0; i < samples; i++) {
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade);
    wav.writeInt16LE(
      Math.round(Math.sin((2 * Math.PI * frequencyHz * i) / SPEECH_SAMPLE_RATE) * envelope * 0.5 * 32767),
      44 + i * 2,
    );
  }
  return wav;
}

function wavDurationS(bytes) {
  if (
    bytes.length < 12 ||
    bytes.toString('ascii', 0, 4) !== 'RIFF' ||
    bytes.toString('ascii', 8, 12) !== 'WAVE'
  )
    return undefined;
  let byteRate;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate ? Math.min(size, bytes.length - offset - 8) / byteRate : undefined;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

function srtTime(seconds, separator) {
  const ms = Math.round(seconds * 1000);
  const pad = (value, width = 2) => String(value).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

async function solidImage(width, height, seed, format) {
  const hash = createHash('sha256').update(seed).digest();
  const image = sharp({
    create: { width, height, channels: 3, background: { r: hash[0], g: hash[1], b: hash[2] } },
  });
  return (format === 'jpeg' ? image.jpeg() : format === 'webp' ? image.webp() : image.png()).toBuffer();
}

function encodeWithFfmpeg(ffmpegPath, wav, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-f', 'wav', '-i', 'pipe:0', ...args, 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out = [];
    let err = '';
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`ffmpeg exited with ${code}: ${err.trim()}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(wav);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      'api-key': { type: 'string' },
    },
  });
  const server = await startOpenAiTestServer({
    port: Number(values.port),
    host: values.host,
    chunkDelayMs: Number(values['chunk-delay-ms']),
    apiKey: values['api-key'],
  });
  console.log(`OpenAI test server listening at ${server.url}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
