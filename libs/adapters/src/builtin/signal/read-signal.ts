import { decodeSignal, signalFormatOf, sniffSignalFormat, type Signal } from '../../codecs/signal';
import type { AdapterContext, AdapterInput } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import type { InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { readInput } from '../inputs';

/**
 * A signal input decoded by its media type (or file name, or content): the one way every signal
 * adapter reads its input. `fallbackRateHz` is used only when the data states no rate; a signal
 * over `limits` (LIMIT_SIGNAL_VALUES) is refused before its samples are stored.
 */
export async function readSignalInput(
  context: AdapterContext,
  input: AdapterInput,
  options: { maxBytes: number; limits: InputLimits; fallbackRateHz?: number },
): Promise<Signal> {
  const bytes = await readInput(context, input, { maxBytes: options.maxBytes, what: 'a signal' });
  const format = signalFormatOf(input.mediaType, input.filename) ?? sniffSignalFormat(bytes);
  if (format === undefined) {
    throw new AdapterError(
      'unsupported_media',
      `cannot read a signal from ${baseMediaType(input.mediaType)}; send CSV, TSV, JSON, EDF or WAV`,
      { details: { mediaType: input.mediaType } },
    );
  }
  return decodeSignal(bytes, format, { sampleRateHz: options.fallbackRateHz, limits: options.limits });
}
