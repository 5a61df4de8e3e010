/** The media type without parameters, lower case: `Text/CSV; charset=utf-8` is `text/csv`. */
export function baseMediaType(mediaType: string): string {
  return mediaType.split(';', 1)[0].trim().toLowerCase();
}

/** Other names in use for media types, by the name this project uses for each. */
const ALIASES: Record<string, string> = {
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/x-flac': 'audio/flac',
  'audio/m4a': 'audio/mp4',
  'audio/x-m4a': 'audio/mp4',
  'audio/x-aiff': 'audio/aiff',
  'video/avi': 'video/x-msvideo',
};

/** The base media type under the one name this project uses: `audio/x-wav` is `audio/wav`. */
export function canonicalMediaType(mediaType: string): string {
  const base = baseMediaType(mediaType);
  return ALIASES[base] ?? base;
}

/** The given media types and every other name they go by, e.g. for a capability's inputMediaTypes. */
export function withAliases(mediaTypes: readonly string[]): string[] {
  const aliases = Object.keys(ALIASES).filter((alias) => mediaTypes.includes(ALIASES[alias]));
  return [...mediaTypes, ...aliases];
}
