import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
  const frames = Math.round(seconds * sampleRateHz);
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(
      Math.round(Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz) * 0.5 * 32767),
      i * 2,
    );
  }
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
