/**
 * Media types for formats without an IANA registration. The `x-` names are the ones in common
 * use (MeshLab, PCL tools, Python's `mimetypes` extensions); they are used consistently so that
 * adapters can list them in `inputMediaTypes`.
 */
export const POINT_CLOUD_MEDIA_TYPES = {
  ply: 'application/x-ply',
  pcd: 'application/x-pcd',
  xyz: 'text/x-xyz',
} as const;

/** EDF/EDF+ (European Data Format); `application/edf` is what PhysioNet and EDFbrowser serve. */
export const EDF_MEDIA_TYPE = 'application/edf';

export const TEXT_MEDIA_TYPES = {
  plain: 'text/plain',
  markdown: 'text/markdown',
  json: 'application/json',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
} as const;

/** The media type without parameters, lower case: `Audio/Ogg; codecs=opus` → `audio/ogg`. */
export function mediaTypeEssence(mediaType: string): string {
  return mediaType.split(';', 1)[0].trim().toLowerCase();
}

/** `image`, `audio` or `video` for media types of those top-level types, else undefined. */
export function mediaFamily(mediaType: string): 'image' | 'audio' | 'video' | undefined {
  const top = mediaTypeEssence(mediaType).split('/', 1)[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : undefined;
}
