import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import type { Ffmpeg } from '../media/ffmpeg';
import { readMediaInput } from '../media/media-input';
import { PrivateTempDirs } from '../media/private-temp-dirs';

const ADAPTER_ID = 'builtin.transcribe';
/** Longest audio taken: recognition runs at about half real time on a busy core. */
const MAX_DURATION_S = 600;
/** The time one recognition may take: a base (loading the model) and twice real time, on a busy core. */
const BASE_MS = 15_000;
const MS_PER_SECOND = 2_000;
/** Cap on what pocketsphinx prints: a transcript of ten minutes is a few KB. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export const LOW_ACCURACY_WARNING =
  'builtin.transcribe is a low-accuracy offline recogniser (pocketsphinx, US English; about half the words of clear speech wrong): configure a transcription backend for real transcripts';

export const PocketsphinxOptionsSchema = z.object({});
export type PocketsphinxOptions = z.infer<typeof PocketsphinxOptionsSchema>;

const tempDirs = new PrivateTempDirs(
  tmpdir(),
  'omnigate-pocketsphinx-',
  2 * (BASE_MS + MAX_DURATION_S * MS_PER_SECOND),
);

/**
 * English speech to text offline with CMU pocketsphinx (Debian's `pocketsphinx_continuous` and its
 * US English model): a last resort for a machine without a transcription backend. It is poor
 * (40–55 % word error on the JFK clip), so every answer carries a warning, and its cost hint is
 * far above any backend's: a configured transcription backend always wins the route.
 */
export class PocketsphinxAdapter implements Adapter<PocketsphinxOptions> {
  readonly options = PocketsphinxOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'English speech to text offline with pocketsphinx (low accuracy: a last resort when no transcription backend is configured)',
    capabilities: [
      {
        task: 'transcribe',
        inputs: ['audio'],
        output: 'text',
        outputMediaTypes: ['text/plain'],
        limits: { maxDurationS: MAX_DURATION_S },
      },
    ],
    concurrency: 1,
    // Above any remote model (5 by default): a transcription backend always wins.
    costHint: 50,
    latencyHintMs: 5_000,
  };

  constructor(
    private readonly binary: string,
    private readonly ffmpeg: Ffmpeg,
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
  ) {}

  async invoke(
    request: AdapterRequest<PocketsphinxOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    parseOptions(this.options, request.options, ADAPTER_ID);
    if (request.task !== 'transcribe') {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const requested = request.output.mediaType;
    if (requested !== undefined && baseMediaType(requested) !== 'text/plain') {
      throw AdapterError.unprocessable(`${ADAPTER_ID} writes text/plain, not ${baseMediaType(requested)}`);
    }
    const input = requireInput(request, 'audio', ADAPTER_ID);
    const media = await readMediaInput(this.ffmpeg, context, input, this.limits);
    if (!media.probe.streams.some((s) => s.codecType === 'audio')) {
      throw AdapterError.unprocessable('the input has no sound to transcribe');
    }
    const seconds = media.durationS ?? MAX_DURATION_S;
    if (seconds > MAX_DURATION_S) {
      throw new AdapterError(
        'payload_too_large',
        `${ADAPTER_ID} takes at most ${MAX_DURATION_S} s of audio; this is ${Math.round(seconds)} s`,
        { details: { max: MAX_DURATION_S, actual: seconds } },
      );
    }
    // The model's own format: 16 kHz mono 16-bit, at most MAX_DURATION_S seconds of it.
    const wav = await this.ffmpeg.run({
      input: media.source,
      inputExtension: media.inputExtension,
      outputArgs: ['-vn', '-t', String(MAX_DURATION_S), '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le'],
      outputExtension: 'wav',
      work: { seconds },
      signal: context.signal,
    });
    await context.progress(0.2);
    const budgetMs = Math.ceil(BASE_MS + seconds * MS_PER_SECOND);
    const transcript = await tempDirs.use(async (dir) => {
      const path = join(dir, 'speech.wav');
      await writeFile(path, wav);
      return this.recognize(path, budgetMs, context.signal);
    });
    await context.progress(1);
    const text = transcript.replace(/\s+/g, ' ').trim();
    const warnings = [LOW_ACCURACY_WARNING];
    if (text === '') warnings.push('no speech was recognised');
    return {
      outputs: [{ modality: 'text', mediaType: 'text/plain', text: text === '' ? '' : `${text}\n` }],
      meta: { model: 'pocketsphinx en-us' },
      warnings,
    };
  }

  /** Runs the recogniser (no shell; killed on abort or past its budget) and returns what it heard. */
  private recognize(path: string, budgetMs: number, signal: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(budgetMs);
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        ['-infile', path, '-logfn', '/dev/null'],
        {
          signal: AbortSignal.any([signal, timeout]),
          killSignal: 'SIGKILL',
          maxBuffer: MAX_OUTPUT_BYTES,
          encoding: 'utf8',
          windowsHide: true,
        },
        (error, stdout) => {
          if (!error) return resolve(stdout);
          if (signal.aborted) return reject(signal.reason);
          if (timeout.aborted) {
            return reject(
              new AdapterError('timeout', `pocketsphinx did not finish within ${budgetMs} ms`, {
                retryable: true,
                cause: error,
              }),
            );
          }
          reject(
            new AdapterError('adapter_failed', `pocketsphinx failed: ${errorMessage(error)}`, {
              retryable: true,
              cause: error,
            }),
          );
        },
      );
    });
  }
}
