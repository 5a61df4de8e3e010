import { AdapterError } from '../../sdk/adapter-error';
import type { InputLimits } from '../../sdk/input-limits';
import type { Ffmpeg } from '../media/ffmpeg';
import { pixelsPerSecond, type MediaInput } from '../media/media-input';
import { trimArgs } from '../media/media-types';
import type { RgbImage } from './human-engine';

/**
 * The longest side of a sampled frame: CenterNet reads 512 pixels, so more costs memory (30
 * frames at 640 × 360 are 20 MB of RGB) and time without finding more.
 */
export const FRAME_MAX_SIDE = 640;
/** The most frames one video may be sampled at, whatever is asked. */
export const MAX_SAMPLED_FRAMES = 60;

/** How a video is sampled: one frame every `intervalS`, at most `maxFrames` of them. */
export interface FrameSampling {
  intervalS: number;
  maxFrames: number;
}

/** One sampled frame: when it was shown (seconds from the first frame) and its pixels. */
export interface SampledFrame {
  timeS: number;
  rgb: RgbImage;
}

/** The frames sampled from a video, and how to map their boxes back to the video's picture. */
export interface SampledFrames {
  /** The video's picture size as shown (a rotation it declares applied). */
  width: number;
  height: number;
  /** Seconds between two samples: the interval asked for, widened when the video is long. */
  intervalS: number;
  frames: SampledFrame[];
  /** Frame pixels per video pixel, across and down. */
  scaleX: number;
  scaleY: number;
}

/**
 * The interval in whole milliseconds: the one asked for, widened so that a video of known length
 * is spread over at most `maxFrames` samples rather than cut off after them.
 */
export function samplingIntervalMs(durationS: number | undefined, sampling: FrameSampling): number {
  const asked = Math.max(1, Math.round(sampling.intervalS * 1000));
  if (durationS === undefined || durationS <= 0) return asked;
  return Math.max(asked, Math.ceil((durationS * 1000) / sampling.maxFrames));
}

/**
 * Samples a probed video with one ffmpeg run: its first picture stream, turned upright, one frame
 * every interval (ffmpeg's `fps` filter, so the times are exact multiples of it), scaled to at
 * most FRAME_MAX_SIDE, as raw RGB. The run decodes every frame of the video (within
 * LIMIT_MEDIA_DURATION_S, however long the headers say it is) and has a time budget from that
 * work; it stops after `maxFrames` frames and is killed on abort.
 */
export async function sampleFrames(
  ffmpeg: Ffmpeg,
  media: MediaInput,
  sampling: FrameSampling,
  limits: InputLimits,
  signal: AbortSignal,
): Promise<SampledFrames> {
  const stream = media.probe.streams.find((candidate) => candidate.codecType === 'video');
  if (!stream) throw AdapterError.unprocessable('the input has no video stream to detect objects in');
  if (!stream.width || !stream.height)
    throw AdapterError.unprocessable('the video does not say its picture size');
  const turned = stream.rotation === 90 || stream.rotation === 270;
  const [width, height] = turned ? [stream.height, stream.width] : [stream.width, stream.height];
  const shrink = Math.min(1, FRAME_MAX_SIDE / Math.max(width, height));
  const frameWidth = Math.max(1, Math.round(width * shrink));
  const frameHeight = Math.max(1, Math.round(height * shrink));
  const frameBytes = frameWidth * frameHeight * 3;
  const maxFrames = Math.min(sampling.maxFrames, MAX_SAMPLED_FRAMES);
  const intervalMs = samplingIntervalMs(media.durationS, { ...sampling, maxFrames });
  const seconds =
    media.durationS === undefined ? undefined : Math.min(media.durationS, limits.mediaDurationS);

  const raw = await ffmpeg.run({
    input: media.source,
    inputExtension: media.inputExtension,
    inputArgs: trimArgs(undefined, undefined, limits.mediaDurationS),
    outputArgs: [
      '-map',
      '0:v:0',
      '-vf',
      // An exact size, so the raw bytes split into frames; autorotation has run before this filter.
      // `eof_action=pass` keeps the last frame of a clip shorter than half an interval, which
      // rounding would otherwise drop (a 0.07 s clip at one frame a second gave none).
      `fps=1000/${intervalMs}:eof_action=pass,scale=${frameWidth}:${frameHeight}`,
      '-frames:v',
      String(maxFrames),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
    ],
    outputExtension: 'rgb',
    maxOutputBytes: maxFrames * frameBytes + 1,
    // Every frame is decoded at the source's size; the samples are few and small.
    work: seconds === undefined ? undefined : { seconds, pixelsPerSecond: pixelsPerSecond(stream) },
    signal,
  });
  const count = Math.floor(raw.length / frameBytes);
  if (count === 0) throw AdapterError.unprocessable('ffmpeg decoded no frames from the video');
  const frames = Array.from({ length: count }, (_, i) => ({
    timeS: (i * intervalMs) / 1000,
    rgb: { data: raw.subarray(i * frameBytes, (i + 1) * frameBytes), width: frameWidth, height: frameHeight },
  }));
  return {
    width,
    height,
    intervalS: intervalMs / 1000,
    frames,
    scaleX: frameWidth / width,
    scaleY: frameHeight / height,
  };
}
