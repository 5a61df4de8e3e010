import { AdapterError } from '../../sdk/adapter-error';
import { baseMediaType, canonicalMediaType, withAliases } from '../../sdk/media-type';

/** File extensions ffmpeg recognises, by input media type; the extension picks a demuxer when probing is ambiguous. */
const EXTENSION_BY_MEDIA_TYPE: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/aiff': 'aif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/quicktime': 'mov',
  'video/x-msvideo': 'avi',
  'video/3gpp': '3gp',
  'video/mpeg': 'mpg',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
};

const inputTypes = (family: string) =>
  withAliases(Object.keys(EXTENSION_BY_MEDIA_TYPE).filter((t) => t.startsWith(`${family}/`)));
export const AUDIO_INPUT_MEDIA_TYPES = inputTypes('audio');
export const VIDEO_INPUT_MEDIA_TYPES = inputTypes('video');
export const IMAGE_INPUT_MEDIA_TYPES = inputTypes('image');

/** The file extension for an input, `bin` when unknown (ffmpeg then probes the content). */
export function extensionFor(mediaType: string): string {
  return EXTENSION_BY_MEDIA_TYPE[canonicalMediaType(mediaType)] ?? 'bin';
}

/** Options a task does not use become warnings, not errors. */
export function warnIgnoredOptions(
  options: Record<string, unknown>,
  used: readonly string[],
  task: string,
  warnings: string[],
): void {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !used.includes(key)) warnings.push(`${key} is ignored by ${task}`);
  }
}

/**
 * `-ss`/`-t` as input options, so only the wanted span is decoded, and never more than `maxS`
 * seconds (LIMIT_MEDIA_DURATION_S): an input whose headers do not tell its length cannot make
 * ffmpeg decode more than the limit either.
 */
export function trimArgs(start: number | undefined, duration: number | undefined, maxS: number): string[] {
  return [
    ...(start !== undefined ? ['-ss', String(start)] : []),
    '-t',
    String(Math.min(duration ?? maxS, maxS)),
  ];
}

/** Whether a describe task answers in JSON (`application/json`) or plain text (the default); other types are refused. */
export function wantsJson(requestedMediaType: string | undefined, adapterId: string): boolean {
  if (requestedMediaType === undefined) return false;
  const requested = baseMediaType(requestedMediaType);
  if (requested === 'application/json') return true;
  if (requested === 'text/plain') return false;
  throw new AdapterError(
    'unprocessable_input',
    `${adapterId} describe writes text/plain or application/json, not ${requested}`,
    { details: { mediaType: requested } },
  );
}

/** yuv420p needs even dimensions. */
export const evenDown = (pixels: number): number => Math.max(2, pixels - (pixels % 2));

/** Seconds of input a run covers after `start`/`duration`; undefined when the length is unknown. */
export function spanOf(
  lengthS: number | undefined,
  start: number | undefined,
  duration: number | undefined,
): number | undefined {
  if (lengthS === undefined) return duration;
  const rest = Math.max(0, lengthS - (start ?? 0));
  return duration === undefined ? rest : Math.min(rest, duration);
}

/** Cap on samples × channels in a CSV/JSON signal answer (tens of MB of text). */
const MAX_SIGNAL_VALUES = 5_000_000;

/** Refuses a signal answer of more than MAX_SIGNAL_VALUES values, as soon as its size is known. */
export function checkSignalValues(values: number): void {
  if (values > MAX_SIGNAL_VALUES) {
    throw AdapterError.unprocessable(
      `the signal would have ${values} values (limit ${MAX_SIGNAL_VALUES}); lower sampleRateHz or set duration`,
    );
  }
}

/** What the media adapters write a signal as: the codec's CSV (default) or JSON. */
export const SIGNAL_MEDIA_TYPES = ['text/csv', 'application/json'] as const;
export type SignalMediaType = (typeof SIGNAL_MEDIA_TYPES)[number];

/** The signal media type to write for a request; a type other than CSV or JSON is refused. */
export function signalOutputType(
  requestedMediaType: string | undefined,
  adapterId: string,
  task: string,
): SignalMediaType {
  if (requestedMediaType === undefined) return 'text/csv';
  const requested = baseMediaType(requestedMediaType);
  const match = SIGNAL_MEDIA_TYPES.find((type) => type === requested);
  if (!match) {
    throw new AdapterError(
      'unprocessable_input',
      `${adapterId} ${task} writes ${SIGNAL_MEDIA_TYPES.join(' or ')}, not ${requested}`,
      { details: { mediaType: requested } },
    );
  }
  return match;
}
