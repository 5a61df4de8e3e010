import { AdapterError } from '../../sdk/adapter-error';
import { baseMediaType } from '../../sdk/media-type';
import { evenDown } from './media-types';

export const VIDEO_FORMATS = ['mp4', 'webm'] as const;
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

export const VIDEO_MEDIA_TYPE_BY_FORMAT: Record<VideoFormat, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
};

/** H.264/AAC in MP4 (moov first, for progressive playback) or VP9/Opus in WebM, both yuv420p for players. */
export const VIDEO_ENCODER_ARGS: Record<VideoFormat, string[]> = {
  mp4: [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-movflags',
    '+faststart',
  ],
  webm: [
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-row-mt',
    '1',
    '-b:v',
    '0',
    '-crf',
    '33',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'libopus',
    '-b:a',
    '96k',
  ],
};

/** yuv420p needs even dimensions: scale to `width` (or keep the size) and round both down to even. */
export function scaleFilter(width: number | undefined): string {
  return width !== undefined ? `scale=${evenDown(width)}:-2` : 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
}

/** `format` wins; else the requested media type; else MP4. */
export function videoOutputFormat(
  adapterId: string,
  optionFormat: VideoFormat | undefined,
  requestedMediaType: string | undefined,
  warnings: string[],
): VideoFormat {
  if (requestedMediaType === undefined) return optionFormat ?? 'mp4';
  const requested = baseMediaType(requestedMediaType);
  const requestedFormat = VIDEO_FORMATS.find((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format] === requested);
  if (requestedFormat === undefined) {
    throw new AdapterError(
      'unprocessable_input',
      `${adapterId} cannot write ${requested}; it writes ${Object.values(VIDEO_MEDIA_TYPE_BY_FORMAT).join(', ')}`,
      { details: { mediaType: requested } },
    );
  }
  if (optionFormat !== undefined && optionFormat !== requestedFormat) {
    warnings.push(`format ${optionFormat} overrides the requested media type ${requested}`);
    return optionFormat;
  }
  return requestedFormat;
}
