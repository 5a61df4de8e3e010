import { chunksOf } from '../../streams';
import { parseEdf, parseWav } from './parse-binary';
import { parseDelimited, parseJsonSignal } from './parse-text';
import type { SignalData, SignalHints } from './signal-data';

/** Larger signal files are not plotted (they can still be downloaded). */
export const MAX_SIGNAL_BYTES = 1 << 30;
/** JSON is parsed whole: a smaller bound than streamed formats. */
export const MAX_JSON_SIGNAL_BYTES = 64 << 20;

/** How a signal file is read, from its media type (and name when the type says little). */
export type SignalFormat = 'delimited' | 'json' | 'edf' | 'wav';

export function signalFormatOf(mediaType: string, name = ''): SignalFormat | undefined {
  const type = mediaType.toLowerCase().split(';')[0].trim();
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (type.includes('edf') || ext === 'edf') return 'edf';
  if (type === 'audio/wav' || type === 'audio/x-wav' || type === 'audio/wave' || type === 'audio/vnd.wave')
    return 'wav';
  if (type === 'application/json' || type.endsWith('+json') || ext === 'json') return 'json';
  if (type.startsWith('text/') || ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'delimited';
  return undefined;
}

/** Reads `blob` as a signal of `format`; `onProgress` gets the fraction read. */
export async function parseSignal(
  blob: Blob,
  format: SignalFormat,
  hints: SignalHints,
  onProgress?: (fraction: number) => void,
): Promise<SignalData> {
  if (blob.size > MAX_SIGNAL_BYTES)
    throw new Error(`over ${MAX_SIGNAL_BYTES >> 20} MB: too large to plot here`);
  const progress = (bytes: number) => onProgress?.(blob.size ? Math.min(1, bytes / blob.size) : 1);
  switch (format) {
    case 'edf':
      return parseEdf(blob, progress);
    case 'wav':
      return parseWav(blob, hints, progress);
    case 'json':
      if (blob.size > MAX_JSON_SIGNAL_BYTES)
        throw new Error(`a JSON signal over ${MAX_JSON_SIGNAL_BYTES >> 20} MB is not plotted`);
      return parseJsonSignal(await blob.text(), hints);
    case 'delimited': {
      const text = blob.stream().pipeThrough(new TextDecoderStream());
      // Progress counts characters against bytes: exact for ASCII, which CSV of numbers is.
      return parseDelimited(chunksOf(text), hints, progress);
    }
  }
}
