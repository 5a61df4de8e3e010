import { z } from 'zod';
import {
  type AudioMeta,
  type AudioTrackMeta,
  type ProbeFailure,
  probeFailure,
  type VideoMeta,
} from './probe-meta';

/** The fields asked of ffprobe (`-show_entries`); its JSON is parsed as untrusted input. */
export const FFPROBE_ENTRIES = [
  'format=format_name,duration',
  'stream=index,codec_type,codec_name,sample_rate,channels,width,height,avg_frame_rate,r_frame_rate,duration',
  'stream_disposition=attached_pic',
].join(':');

const StreamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  sample_rate: z.string().optional(),
  channels: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  duration: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
});

const ReportSchema = z.object({
  streams: z.array(StreamSchema).default([]),
  format: z.object({ format_name: z.string().optional(), duration: z.string().optional() }).optional(),
});

export type FfprobeReport = z.infer<typeof ReportSchema>;
type FfprobeStream = z.infer<typeof StreamSchema>;

/** ffprobe's JSON as a report, or undefined when it is not the shape asked for. */
export function parseFfprobeReport(stdout: string): FfprobeReport | undefined {
  try {
    const parsed = ReportSchema.safeParse(JSON.parse(stdout));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function audioMeta(report: FfprobeReport): AudioMeta | ProbeFailure {
  const track = report.streams.find((s) => s.codec_type === 'audio');
  if (!track) return probeFailure('no audio stream');
  return withoutUndefined({
    probe: 'ffprobe' as const,
    container: report.format?.format_name,
    ...audioTrack(track),
    durationS: duration(report),
  });
}

export function videoMeta(report: FfprobeReport): VideoMeta | ProbeFailure {
  // Cover art in an audio file is a one-picture "video" stream flagged attached_pic.
  const video = report.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const sound = report.streams.find((s) => s.codec_type === 'audio');
  if (!video)
    return probeFailure(sound ? 'no video stream (the content holds sound only)' : 'no video stream');
  return withoutUndefined({
    probe: 'ffprobe' as const,
    container: report.format?.format_name,
    videoCodec: video.codec_name,
    width: positiveInteger(video.width),
    height: positiveInteger(video.height),
    fps: frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate),
    durationS: duration(report),
    hasAudio: sound !== undefined,
    audio: sound ? audioTrack(sound) : null,
  });
}

function audioTrack(stream: FfprobeStream): AudioTrackMeta {
  return withoutUndefined({
    codec: stream.codec_name,
    sampleRateHz: positiveInteger(Number(stream.sample_rate)),
    channels: positiveInteger(stream.channels),
  });
}

/** The container's duration, else the longest stream's (raw streams may give only one or neither). */
function duration(report: FfprobeReport): number | undefined {
  const container = positiveNumber(report.format?.duration);
  if (container !== undefined) return container;
  // A loop, not Math.max(...): the content says how many streams there are.
  let longest: number | undefined;
  for (const stream of report.streams) {
    const length = positiveNumber(stream.duration);
    if (length !== undefined && (longest === undefined || length > longest)) longest = length;
  }
  return longest;
}

/** `30000/1001` → 29.97; ffprobe writes `0/0` for "unknown". */
function frameRate(ratio: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(ratio ?? '');
  if (!match) return undefined;
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? Math.round(rate * 1000) / 1000 : undefined;
}

function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

function positiveInteger(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Keys whose value is unknown are left out rather than sent as `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
