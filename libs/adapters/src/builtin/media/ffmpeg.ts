import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';

/** Where the ffmpeg and ffprobe executables are; resolved once, at construction. */
export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export interface FfmpegSettings {
  binaries?: FfmpegBinaries;
  /** A run or probe that takes longer is killed; default 5 minutes. */
  timeoutMs?: number;
  /** Where the per-run temp dirs go; default the OS temp dir. */
  tempRoot?: string;
}

/** One ffmpeg run: input file → filters/codecs → one output file. */
export interface FfmpegRun {
  /** The input bytes; written to a temp file. Small inputs for now: streaming can come later. */
  input: Buffer;
  /** Extension for the input file (`png`, `wav`); helps ffmpeg choose a demuxer, e.g. image2 for `-loop`. */
  inputExtension?: string;
  /** Options placed before `-i` (`-ss`, `-loop`). */
  inputArgs?: string[];
  /** Options placed after `-i` (codecs, filters, `-t`, `-f`). */
  outputArgs: string[];
  /** Extension of the output file (`wav`, `mp4`, `png`, `raw`). */
  outputExtension: string;
  signal: AbortSignal;
}

/** What ffprobe says about a file, reduced to what adapters need. */
export interface MediaProbe {
  formatName: string;
  /** Seconds; undefined when the container does not say. */
  durationS?: number;
  streams: MediaStream[];
}

export interface MediaStream {
  codecType: 'audio' | 'video' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codecName?: string;
  width?: number;
  height?: number;
  sampleRateHz?: number;
  channels?: number;
  durationS?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;
/** Only local files and pipes: a crafted playlist or concat file must not make ffmpeg fetch URLs. */
const PROTOCOL_WHITELIST = 'file,pipe';

/**
 * Reads FFMPEG_PATH and FFPROBE_PATH, else expects `ffmpeg` and `ffprobe` on PATH. A variable
 * that is set but names no file stops start-up with its name, instead of failing on the first job.
 */
export function resolveFfmpegBinaries(env: NodeJS.ProcessEnv = process.env): FfmpegBinaries {
  const fromEnv = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    if (!existsSync(value)) throw new Error(`${name}=${value} does not exist`);
    return value;
  };
  return { ffmpeg: fromEnv('FFMPEG_PATH', 'ffmpeg'), ffprobe: fromEnv('FFPROBE_PATH', 'ffprobe') };
}

/**
 * The one place that runs ffmpeg and ffprobe: arguments as an array (no shell), input and
 * output through a private temp dir that is always removed, killed on abort or timeout.
 * It knows nothing about tasks or routing; the adapters build the arguments.
 */
export class Ffmpeg {
  readonly binaries: FfmpegBinaries;
  readonly timeoutMs: number;
  private readonly tempRoot: string;

  constructor(settings: FfmpegSettings = {}) {
    this.binaries = settings.binaries ?? resolveFfmpegBinaries();
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tempRoot = settings.tempRoot ?? tmpdir();
  }

  /** Runs ffmpeg and returns the bytes of its output file; bad input is `unprocessable_input`. */
  async run(run: FfmpegRun): Promise<Buffer> {
    return this.withTempDir(async (dir) => {
      const inputPath = join(dir, `input.${run.inputExtension ?? 'bin'}`);
      const outputPath = join(dir, `output.${run.outputExtension}`);
      await writeFile(inputPath, run.input);
      const args = [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'error',
        '-protocol_whitelist',
        PROTOCOL_WHITELIST,
        ...(run.inputArgs ?? []),
        '-i',
        inputPath,
        ...run.outputArgs,
        '-y',
        outputPath,
      ];
      await this.execute(this.binaries.ffmpeg, args, run.signal, dir);
      const output = await readFile(outputPath).catch(() => Buffer.alloc(0));
      if (output.length === 0) {
        throw AdapterError.unprocessable('ffmpeg produced no output for this input and these options');
      }
      return output;
    });
  }

  /** Streams, duration and format of the input, from ffprobe. */
  async probe(input: Buffer, signal: AbortSignal, inputExtension = 'bin'): Promise<MediaProbe> {
    return this.withTempDir(async (dir) => {
      const inputPath = join(dir, `input.${inputExtension}`);
      await writeFile(inputPath, input);
      const stdout = await this.execute(
        this.binaries.ffprobe,
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-protocol_whitelist',
          PROTOCOL_WHITELIST,
          '-print_format',
          'json',
          '-show_format',
          '-show_streams',
          inputPath,
        ],
        signal,
        dir,
      );
      return parseProbe(stdout);
    });
  }

  private async withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.tempRoot, 'omnigate-ffmpeg-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private execute(binary: string, args: string[], signal: AbortSignal, dir: string): Promise<string> {
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return new Promise((resolve, reject) => {
      execFile(
        binary,
        args,
        {
          signal: AbortSignal.any([signal, timeout]),
          killSignal: 'SIGKILL',
          maxBuffer: MAX_STDOUT_BYTES,
          encoding: 'utf8',
          windowsHide: true,
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if (signal.aborted) return reject(signal.reason);
          if (timeout.aborted) {
            return reject(
              new AdapterError('timeout', `ffmpeg took longer than ${this.timeoutMs} ms`, {
                retryable: true,
                cause: error,
              }),
            );
          }
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            return reject(
              new AdapterError('unavailable', `cannot run ${binary}: not found`, {
                retryable: false,
                cause: error,
              }),
            );
          }
          reject(AdapterError.unprocessable(summarizeStderr(stderr, dir) || errorMessage(error), error));
        },
      );
    });
  }
}

/** The last few lines ffmpeg printed, without the temp dir's path. */
export function summarizeStderr(stderr: string, dir: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.split(`${dir}/`).join('').trim())
    .filter((line) => line.length > 0);
  const summary = lines.slice(-3).join('; ');
  return summary.length > 500 ? `${summary.slice(0, 497)}...` : summary;
}

interface RawProbe {
  format?: { format_name?: string; duration?: string };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    sample_rate?: string;
    channels?: number;
    duration?: string;
  }[];
}

const CODEC_TYPES = new Set<MediaStream['codecType']>(['audio', 'video', 'subtitle', 'data', 'attachment']);

function parseProbe(stdout: string): MediaProbe {
  const raw = JSON.parse(stdout) as RawProbe;
  const seconds = (value: string | undefined) => {
    const parsed = value === undefined ? NaN : Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  return {
    formatName: raw.format?.format_name ?? 'unknown',
    durationS: seconds(raw.format?.duration),
    streams: (raw.streams ?? []).map((stream) => ({
      codecType: CODEC_TYPES.has(stream.codec_type as MediaStream['codecType'])
        ? (stream.codec_type as MediaStream['codecType'])
        : 'unknown',
      codecName: stream.codec_name,
      width: stream.width,
      height: stream.height,
      sampleRateHz: seconds(stream.sample_rate),
      channels: stream.channels,
      durationS: seconds(stream.duration),
    })),
  };
}
