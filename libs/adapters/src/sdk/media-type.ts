/** The media type without parameters, lower case: `Text/CSV; charset=utf-8` is `text/csv`. */
export function baseMediaType(mediaType: string): string {
  return mediaType.split(';', 1)[0].trim().toLowerCase();
}
