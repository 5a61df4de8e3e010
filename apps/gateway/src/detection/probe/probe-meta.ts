/**
 * The `meta` a probe adds to a detection, per modality. Keys are merged over the detector's own
 * (`format` from the magic bytes stays). `probe` says how the values were read.
 */

/** Content a probe could not read (corrupt, truncated, timed out). The caller picks the 4xx. */
export type ProbeFailure = {
  probe: 'failed';
  /** What went wrong, in words (first line of the tool's error, or "timed out after N ms"). */
  reason: string;
};

export type ImageMeta = {
  /** `sharp`: libvips read the header; `header`: parsed here (BMP, which sharp cannot read). */
  probe: 'sharp' | 'header';
  /** Canonical name: png, jpeg, gif, webp, avif, heic, tiff, bmp, ... */
  format: string;
  width: number;
  height: number;
  /** Frames of an animation or pages of a multi-page file; 1 for a still image. */
  pages: number;
  alpha: boolean;
  /** EXIF orientation (1–8), when the image carries one. */
  orientation?: number;
  /** Bits per pixel, from a BMP header. */
  bitDepth?: number;
};

/** The sound of an audio file, or the first audio track of a video. */
export type AudioTrackMeta = {
  /** ffprobe's codec name: pcm_s16le, mp3, aac, opus, vorbis, flac, ... */
  codec?: string;
  sampleRateHz?: number;
  channels?: number;
};

export type AudioMeta = AudioTrackMeta & {
  /** `ffprobe`, or `header` when ffprobe is not installed and the format's header was parsed here. */
  probe: 'ffprobe' | 'header';
  /** ffprobe's format_name: wav, mp3, flac, ogg, aiff, `mov,mp4,m4a,3gp,3g2,mj2`, ... */
  container?: string;
  durationS?: number;
};

export type VideoMeta = {
  probe: 'ffprobe';
  container?: string;
  videoCodec?: string;
  width?: number;
  height?: number;
  /** Frames per second (average, else nominal), to 3 decimals. */
  fps?: number;
  durationS?: number;
  hasAudio: boolean;
  /** The first audio track, or null when there is none. */
  audio: AudioTrackMeta | null;
};

/** Video without ffprobe: nothing but the container format (already in the detector's meta). */
export type VideoHeaderMeta = { probe: 'header' };

export type TextMeta = {
  /** UTF-16 code units, as JavaScript's `string.length` counts (the LIMIT_TEXT_CHARS measure). */
  length: number;
  /** Line breaks, plus one for a last line without one: "a\nb" and "a\nb\n" are 2 lines, "" is 0. */
  lines: number;
  bytes: number;
  /** The Unicode script most letters of the sample are written in (Latin, Han, Cyrillic, ...). */
  script?: string;
};

export function probeFailure(reason: string): ProbeFailure {
  return { probe: 'failed', reason };
}

/** The first line of an error message, without the noise libvips and ffmpeg add. */
export function firstLine(message: string): string {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return (line ?? 'unknown error').slice(0, 300);
}
