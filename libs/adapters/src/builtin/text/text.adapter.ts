import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { checkInputLimit, DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { decodeUtf8 } from '../../sdk/utf8';
import { parseOptions, requireInput } from '../inputs';
import { describeText, detectLanguage, joinSentences, keywords, summarize } from './analysis';

const ADAPTER_ID = 'builtin.text';
/** Every task is linear in the text's length; 4 MiB of prose takes a few seconds. */
const MAX_BYTES = 4 * 1024 * 1024;
const TASKS = ['summarize', 'keywords', 'language', 'describe'] as const;
type TextTask = (typeof TASKS)[number];

export const TextAnalysisOptionsSchema = z.object({
  /** summarize: how many sentences to keep. */
  sentences: z.number().int().min(1).max(1000).default(3),
  /** keywords: how many terms to return. */
  count: z.number().int().min(1).max(1000).default(10),
});
export type TextAnalysisOptions = z.infer<typeof TextAnalysisOptionsSchema>;

const capability = (task: TextTask): Capability => ({
  task,
  inputs: ['text'],
  output: 'text',
  outputMediaTypes: ['text/plain', 'application/json'],
  limits: { maxBytes: MAX_BYTES },
});

/**
 * Cheap, local text analysis in any script: an extractive summary, keywords (words, or character
 * bigrams for Chinese and Japanese), a language guess and a description (length, lines, words).
 * Text output is plain; ask for application/json for the structured result.
 */
export class TextAnalysisAdapter implements Adapter<TextAnalysisOptions> {
  readonly options = TextAnalysisOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Text analysis without a model: extractive summary, keywords, language detection and a description (length, lines, words, script, language)',
    capabilities: TASKS.map(capability),
    concurrency: 8,
    costHint: 0.5,
    latencyHintMs: 10,
  };

  constructor(private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS) {}

  async invoke(
    request: AdapterRequest<TextAnalysisOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as TextTask;
    const input = requireInput(request, 'text', ADAPTER_ID);
    const json = wantsJson(request.output.mediaType);

    context.signal.throwIfAborted();
    const bytes = await context.blobs.read(input.blobId);
    if (bytes.length > MAX_BYTES) {
      throw new AdapterError(
        'payload_too_large',
        `text of ${bytes.length} bytes is over the ${MAX_BYTES} bytes analysed`,
        { details: { max: MAX_BYTES, actual: bytes.length } },
      );
    }
    const text = decodeUtf8(bytes).replace(/\r\n?/g, '\n');
    checkInputLimit(this.limits, 'textChars', 'text length (characters)', text.length);
    context.signal.throwIfAborted();

    const warnings: string[] = [];
    const { value, plain } = analyse(task, text, options, warnings);
    return {
      outputs: [
        json
          ? { modality: 'text', mediaType: 'application/json', text: `${JSON.stringify(value, null, 2)}\n` }
          : { modality: 'text', mediaType: 'text/plain', text: plain },
      ],
      warnings,
    };
  }
}

function analyse(
  task: TextTask,
  text: string,
  options: TextAnalysisOptions,
  warnings: string[],
): { value: unknown; plain: string } {
  if (task === 'describe') {
    const description = describeText(text);
    const plain = [
      `characters: ${description.characters}`,
      `bytes: ${description.bytes}`,
      `lines: ${description.lines}`,
      `words: ${description.words}`,
      `sentences: ${description.sentences}`,
      `script: ${description.script}`,
      `language: ${description.language} (${description.languageName})`,
    ].join('\n');
    return { value: description, plain: `${plain}\n` };
  }
  if (text.trim() === '') {
    throw AdapterError.unprocessable(`the text to ${task === 'language' ? 'identify' : task} is empty`);
  }
  switch (task) {
    case 'summarize': {
      const { sentences, total } = summarize(text, options.sentences);
      if (total <= options.sentences) {
        warnings.push(`the text has ${total} sentences, not more than the ${options.sentences} asked for`);
      }
      return { value: { sentences, total }, plain: `${joinSentences(sentences)}\n` };
    }
    case 'keywords': {
      const found = keywords(text, options.count);
      if (found.length === 0) warnings.push('the text has no content words');
      return { value: { keywords: found }, plain: found.map(({ term }) => `${term}\n`).join('') };
    }
    case 'language': {
      const guess = detectLanguage(text);
      return { value: guess, plain: `${guess.language}\n` };
    }
  }
}

function wantsJson(mediaType: string | undefined): boolean {
  if (mediaType === undefined) return false;
  const type = baseMediaType(mediaType);
  if (type === 'application/json') return true;
  if (type === 'text/plain') return false;
  throw AdapterError.unprocessable(`${ADAPTER_ID} writes text/plain or application/json, not ${type}`);
}
