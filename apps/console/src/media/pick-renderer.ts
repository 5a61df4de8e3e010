/** The renderers the console has; `file` is the card for anything else (name, type, size). */
export type RendererKind = 'text' | 'image' | 'audio' | 'video' | 'signal' | 'pointcloud' | 'file';

const KINDS = new Set<RendererKind>(['text', 'image', 'audio', 'video', 'signal', 'pointcloud']);

/** Text media types that are not `text/*`. */
const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/x-ndjson',
  'application/jsonl',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/javascript',
  'application/x-subrip',
]);

const POINTCLOUD_TYPES = new Set([
  'application/x-pcd',
  'application/x-ply',
  'model/x-ply',
  'application/x-xyz',
  'chemical/x-xyz',
]);

/**
 * Which renderer shows a piece of media: its modality when it is one of the six the console
 * draws, else its media type (and the file name's extension when the type says nothing).
 */
export function pickRenderer(modality: string | undefined, mediaType: string, name = ''): RendererKind {
  if (modality && KINDS.has(modality as RendererKind)) return modality as RendererKind;
  const type = mediaType.toLowerCase().split(';')[0].trim();
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (POINTCLOUD_TYPES.has(type) || ['pcd', 'ply', 'xyz'].includes(ext)) return 'pointcloud';
  if (type.includes('edf') || ext === 'edf') return 'signal';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml'))
    return 'text';
  return 'file';
}

/** Whether text of this type reads better in a fixed-width font (JSON, CSV, XML, YAML, code). */
export function isStructuredText(mediaType: string, name = ''): boolean {
  const type = mediaType.toLowerCase().split(';')[0].trim();
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return (
    /(json|csv|tab-separated|xml|yaml|javascript|x-subrip|vtt)/.test(type) ||
    ['json', 'jsonl', 'csv', 'tsv', 'xml', 'yaml', 'yml', 'srt', 'vtt'].includes(ext)
  );
}

/** `12.3 kB`: a size a person reads at a glance. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
