import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixture } from '../../../../../test/fixtures';

const run = promisify(execFile);

export interface ProbedMedia {
  format: { format_name: string; duration?: string; start_time?: string };
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    sample_rate?: string;
    channels?: number;
    avg_frame_rate?: string;
  }[];
}

/** ffprobe's own view of bytes an adapter produced (tests only: an independent check of the output). */
export async function ffprobe(data: Buffer): Promise<ProbedMedia> {
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-probe-test-'));
  try {
    const path = join(dir, 'media');
    await writeFile(path, data);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      path,
    ]);
    return JSON.parse(stdout) as ProbedMedia;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The decoded duration in seconds, as ffprobe reports it. */
export function durationOf(media: ProbedMedia): number {
  return Number(media.format.duration);
}

/**
 * Where playback ends, in seconds. For very short clips this is the fair measure: an Opus
 * encoder's priming starts the file a few ms before zero (negative start_time), which the
 * container's duration counts but the content does not.
 */
export function endOf(media: ProbedMedia): number {
  return Number(media.format.start_time ?? 0) + durationOf(media);
}

/** A 16-bit mono PCM WAV of a sine tone. */
export function sineWav(frequencyHz: number, seconds: number, sampleRateHz = 16_000): Buffer {
  return pcmWav(sine(frequencyHz, seconds, sampleRateHz), sampleRateHz);
}

/** A sine of amplitude 0.5 (−6 dBFS peak). */
export function sine(frequencyHz: number, seconds: number, sampleRateHz = 16_000): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sampleRateHz) },
    (_, i) => Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz) * 0.5,
  );
}

/** A 16-bit mono PCM WAV of samples in [−1, 1]. */
export function pcmWav(samples: Float32Array, sampleRateHz = 16_000): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => data.writeInt16LE(Math.round(value * 32767), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Runs ffmpeg in a temp dir holding `input` (when given) as `input.bin`; returns `output.<ext>`. */
async function ffmpegInTemp(
  args: (dir: string) => string[],
  outputExtension: string,
  input?: Buffer,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-ffmpeg-test-'));
  try {
    if (input) await writeFile(join(dir, 'input.bin'), input);
    const output = join(dir, `output.${outputExtension}`);
    await run('ffmpeg', ['-nostdin', '-v', 'error', ...args(dir), '-y', output]);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The frame shown at `seconds` as PNG, decoded by ffmpeg itself (tests only). */
export function frameAt(video: Buffer, seconds: number): Promise<Buffer> {
  return ffmpegInTemp(
    (dir) => [
      '-ss',
      String(seconds),
      '-i',
      join(dir, 'input.bin'),
      '-frames:v',
      '1',
      '-update',
      '1',
      '-c:v',
      'png',
    ],
    'png',
    video,
  );
}

/** A video made by ffmpeg from a lavfi source graph (tests only), e.g. two colours one after the other. */
export function lavfiVideo(graph: string): Promise<Buffer> {
  return ffmpegInTemp(() => ['-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'mp4');
}

/** What ffmpeg's `loudnorm` measures (a second, independent EBU R128 implementation; tests only). */
export async function loudnormMeasure(
  audio: Buffer,
): Promise<{ integratedLufs: number; truePeakDbfs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-loudnorm-test-'));
  try {
    const path = join(dir, 'input.bin');
    await writeFile(path, audio);
    const { stderr } = await run('ffmpeg', [
      '-nostdin',
      '-hide_banner',
      '-i',
      path,
      '-af',
      'loudnorm=print_format=json',
      '-f',
      'null',
      '-',
    ]);
    const json = JSON.parse(stderr.slice(stderr.lastIndexOf('{'), stderr.lastIndexOf('}') + 1)) as {
      input_i: string;
      input_tp: string;
    };
    return { integratedLufs: Number(json.input_i), truePeakDbfs: Number(json.input_tp) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The PNG fixture with 26 bytes inserted inside its image data (issue 12, M1): its header still
 * reads, but ffmpeg's PNG reader loops on it at 100 % CPU when looped into a clip.
 */
export function corruptedPng(): Buffer {
  const png = fixture('image/fixture.png');
  return Buffer.concat([png.subarray(0, 44_736), Buffer.alloc(26), png.subarray(44_736)]);
}

/**
 * An H.264 MP4 of `seconds` at 25 fps showing one picture throughout (tests only); with
 * `rotation`, the picture is stored turned back by that many degrees and the file says to turn
 * it when shown, as a phone records upright video.
 */
export async function stillVideo(picture: Buffer, seconds: number, rotation = 0): Promise<Buffer> {
  const turn = {
    0: [],
    90: ['-vf', 'transpose=1'],
    180: ['-vf', 'hflip,vflip'],
    270: ['-vf', 'transpose=2'],
  };
  const still = await ffmpegInTemp(
    (dir) => [
      ...['-loop', '1', '-framerate', '25', '-t', String(seconds), '-i', join(dir, 'input.bin')],
      ...(turn[rotation as keyof typeof turn] ?? []),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ],
    'mp4',
    picture,
  );
  if (rotation === 0) return still;
  // ffmpeg 5 writes a display matrix from the `rotate` tag when copying into MP4.
  return ffmpegInTemp(
    (dir) => ['-i', join(dir, 'input.bin'), '-c', 'copy', '-metadata:s:v:0', `rotate=${rotation}`],
    'mp4',
    still,
  );
}
