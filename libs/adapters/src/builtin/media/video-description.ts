import type { MediaProbe } from './ffmpeg';
import type { FrameValue } from './frame-metadata';

/** What `describe` reports about a video. */
export interface VideoDescription {
  /** Seconds; undefined when the container does not say. */
  durationS?: number;
  container: string;
  video: { codec?: string; width?: number; height?: number; frameRate?: number };
  /** The first sound track, or null when there is none. */
  audio: { codec?: string; sampleRateHz?: number; channels?: number } | null;
  /** Every stream of the file, in order. */
  streams: { type: string; codec?: string }[];
  scenes: {
    /** Frames whose scene score (0..1, change from the previous frame) is over this start a scene. */
    threshold: number;
    changes: { timeS: number; score: number }[];
  };
}

/** The description of a probed video whose scene changes have been measured. */
export function describeVideo(
  probe: MediaProbe,
  threshold: number,
  changes: readonly FrameValue[],
): VideoDescription {
  const video = probe.streams.find((stream) => stream.codecType === 'video');
  const audio = probe.streams.find((stream) => stream.codecType === 'audio');
  return {
    ...(probe.durationS !== undefined ? { durationS: probe.durationS } : {}),
    container: probe.formatName,
    video: {
      codec: video?.codecName,
      width: video?.width,
      height: video?.height,
      frameRate: video?.frameRate === undefined ? undefined : round(video.frameRate, 3),
    },
    audio: audio
      ? { codec: audio.codecName, sampleRateHz: audio.sampleRateHz, channels: audio.channels }
      : null,
    streams: probe.streams.map((stream) => ({ type: stream.codecType, codec: stream.codecName })),
    scenes: {
      threshold,
      changes: changes.map((change) => ({ timeS: round(change.timeS, 3), score: round(change.value, 3) })),
    },
  };
}

/** Scene changes listed in the text form; the JSON form has them all. */
const MAX_LISTED_CHANGES = 30;

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const seconds = (value: number) => `${round(value, 2)} s`;

/** The description as plain text, one fact a line. */
export function formatVideoDescription(description: VideoDescription): string {
  const { video, audio, scenes } = description;
  const lines = [
    `video: ${description.durationS !== undefined ? seconds(description.durationS) : 'unknown length'}, ${description.container}`,
  ];
  const size =
    video.width !== undefined && video.height !== undefined ? ` ${video.width}x${video.height}` : '';
  const rate = video.frameRate !== undefined ? ` at ${video.frameRate} fps` : '';
  lines.push(`picture: ${video.codec ?? 'unknown codec'}${size}${rate}`);
  lines.push(
    audio
      ? `sound: ${[audio.codec, audio.sampleRateHz && `${audio.sampleRateHz} Hz`, audio.channels && `${audio.channels} channel${audio.channels === 1 ? '' : 's'}`].filter(Boolean).join(', ')}`
      : 'sound: none',
  );
  const listed = scenes.changes.slice(0, MAX_LISTED_CHANGES).map((change) => seconds(change.timeS));
  if (scenes.changes.length > MAX_LISTED_CHANGES) {
    listed.push(`and ${scenes.changes.length - MAX_LISTED_CHANGES} more`);
  }
  lines.push(
    `scene changes (score over ${scenes.threshold}): ${scenes.changes.length === 0 ? 'none' : `${scenes.changes.length} at ${listed.join(', ')}`}`,
  );
  return `${lines.join('\n')}\n`;
}
