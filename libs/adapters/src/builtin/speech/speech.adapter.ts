import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { decodeUtf8 } from '../../sdk/utf8';
import { parseOptions, requireInput } from '../inputs';
import { festivalSynthesize } from './festival';
import { FLITE_MAX_CHARACTERS, FLITE_VOICES, fliteSynthesize } from './flite';
import { boundedUtterances } from './utterances';
import { readWavInfo } from './wav';

const ADAPTER_ID = 'builtin.speech';
/** What FLITE_MAX_CHARACTERS characters take at most in UTF-8: checked before decoding. */
const MAX_TEXT_BYTES = 4 * FLITE_MAX_CHARACTERS;
const WAV_MEDIA_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave'];

export const SpeechOptionsSchema = z.object({
  /** A voice built into flite: slt (female, US), kal16 / kal (male, US; kal is 8 kHz), awb (male, Scottish), rms (male, US). */
  voice: z.enum(FLITE_VOICES).default('slt'),
  /** Speaking rate relative to the voice's own, 0.25 to 4 (2 is twice as fast). */
  rate: z.number().min(0.25).max(4).default(1),
  /**
   * auto: Festival (its slt HTS voice) when installed and the voice is slt, else Flite;
   * festival or flite to choose (festival falls back to Flite, with a warning, when not installed).
   */
  engine: z.enum(['auto', 'festival', 'flite']).default('auto'),
});
export type SpeechOptions = z.infer<typeof SpeechOptionsSchema>;

/**
 * English text to speech offline: with Festival's HTS voice when Debian's festival and
 * festvox-us-slt-hts are installed (`text2wave`), else with Flite (CMU) compiled to WASI, run in
 * a child process.
 */
export class SpeechAdapter implements Adapter<SpeechOptions> {
  readonly options = SpeechOptionsSchema;
  readonly descriptor: AdapterDescriptor;

  /** `text2wave`: Festival's, when installed (findSystemTools). */
  constructor(private readonly text2wave?: string) {
    this.descriptor = {
      id: ADAPTER_ID,
      version: '1.0.0',
      description: this.text2wave
        ? 'English text to speech offline (Festival, slt HTS voice; Flite voices on request): mono 16-bit PCM WAV'
        : 'English text to speech (Flite, offline, WASI): mono 16-bit PCM WAV',
      capabilities: [
        {
          task: 'tts',
          inputs: ['text'],
          output: 'audio',
          outputMediaTypes: ['audio/wav'],
          limits: { maxBytes: MAX_TEXT_BYTES },
        },
      ],
      concurrency: 2,
      costHint: 2,
      latencyHintMs: 500,
    };
  }

  async invoke(request: AdapterRequest<SpeechOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'text', ADAPTER_ID);
    const requested = request.output.mediaType;
    if (
      requested !== undefined &&
      !WAV_MEDIA_TYPES.includes(requested.split(';', 1)[0].trim().toLowerCase())
    ) {
      throw AdapterError.unprocessable(`${ADAPTER_ID} writes audio/wav, not ${requested}`);
    }

    context.signal.throwIfAborted();
    const bytes = await context.blobs.read(input.blobId);
    if (bytes.length > MAX_TEXT_BYTES) {
      throw new AdapterError(
        'payload_too_large',
        `text of ${bytes.length} bytes is longer than the ${MAX_TEXT_BYTES} bytes spoken at once; split it`,
        { details: { max: MAX_TEXT_BYTES, actual: bytes.length } },
      );
    }
    const text = speakableText(decodeUtf8(bytes));
    if (text.length > FLITE_MAX_CHARACTERS) {
      throw new AdapterError(
        'payload_too_large',
        `the text has ${text.length} characters; ${ADAPTER_ID} speaks at most ${FLITE_MAX_CHARACTERS} at once: split it`,
        { details: { max: FLITE_MAX_CHARACTERS, actual: text.length } },
      );
    }
    if (text === '') {
      throw AdapterError.unprocessable('the text to speak is empty');
    }
    if (!/[\p{Script=Latin}0-9]/u.test(text)) {
      throw AdapterError.unprocessable(
        'the flite voices speak English; the text has no Latin letters or digits to read',
      );
    }
    const warnings: string[] = [];
    const foreign = [...text].filter(
      (char) => /[\p{L}]/u.test(char) && !/\p{Script=Latin}/u.test(char),
    ).length;
    if (foreign > 0) {
      warnings.push(
        `${foreign} letters outside the Latin script were skipped; the flite voices speak English`,
      );
    }
    await context.progress(0.1);

    const festival = this.text2wave !== undefined && options.engine !== 'flite' && options.voice === 'slt';
    if (options.engine === 'festival' && !festival) {
      warnings.push(
        this.text2wave
          ? `Festival has no voice ${options.voice}: Flite spoke`
          : 'Festival is not installed (apt-get install festival festvox-us-slt-hts): Flite spoke',
      );
    }
    let wav: Buffer;
    try {
      wav =
        festival && this.text2wave
          ? await festivalSynthesize(this.text2wave, boundedUtterances(text), options.rate, context.signal)
          : await fliteSynthesize(boundedUtterances(text), options, context.signal);
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason ?? error;
      if (AdapterError.is(error)) throw error;
      throw new AdapterError('adapter_failed', `speech synthesis failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const info = readWavInfo(wav);
    if (!info || info.dataBytes === 0) {
      throw new AdapterError(
        'adapter_failed',
        `${festival ? 'Festival' : 'flite'} produced no audio for this text`,
      );
    }
    await context.progress(1);
    return {
      outputs: [{ modality: 'audio', mediaType: 'audio/wav', data: wav }],
      meta: { engine: festival ? 'festival' : 'flite' },
      warnings,
    };
  }
}

/** Text flite reads well: NFC, CRLF as LF, no control characters but tab and newline, trimmed. */
function speakableText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\P{Cc}\t\n]/gu, '')
    .trim();
}
