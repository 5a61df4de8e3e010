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

/**
 * One ffmpeg run for what its filters measure rather than for an output file: the decoded
 * streams go to the null muxer and the filters' findings come back as text.
 */
export interface FfmpegAnalysis {
  input: Buffer;
  inputExtension?: string;
  inputArgs?: string[];
  /** Options after `-i`: `-map` and the measuring filters (`ebur128`, `silencedetect`, `signalstats`). */
  outputArgs: string[];
  /**
   * Text files the filters write, named relative to the run's private dir
   * (`metadata=print:file=luma.txt`); read back after the run, empty when not written.
   */
  reportFiles?: string[];
  signal: AbortSignal;
}

/** What an analysis run produced. */
export interface FfmpegReport {
  /** ffmpeg's log at `info` level, where filters such as `ebur128` and `silencedetect` print their findings. */
  log: string;
  /** The contents of each requested report file, by name. */
  files: Record<string, string>;
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
  /** Frames per second of a video stream (average, else nominal); undefined when unknown. */
  frameRate?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** Cap on what ffmpeg may print to stdout or stderr (an analysis log included). */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
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
      const outputPath = join(dir, `output.${run.outputExtension}`);
      const inputPath = await writeInput(dir, run.input, run.inputExtension);
      const args = ffmpegArgs('error', run, inputPath, [...run.outputArgs, '-y', outputPath]);
      await this.execute(this.binaries.ffmpeg, args, run.signal, dir);
      const output = await readFile(outputPath).catch(() => Buffer.alloc(0));
      if (output.length === 0) {
        throw AdapterError.unprocessable('ffmpeg produced no output for this input and these options');
      }
      return output;
    });
  }

  /** Decodes the input through measuring filters to the null muxer; returns the log and the report files. */
  async analyze(analysis: FfmpegAnalysis): Promise<FfmpegReport> {
    return this.withTempDir(async (dir) => {
      const inputPath = await writeInput(dir, analysis.input, analysis.inputExtension);
      const args = ffmpegArgs('info', analysis, inputPath, [...analysis.outputArgs, '-f', 'null', '-']);
      const { stderr } = await this.execute(
        this.binaries.ffmpeg,
        ['-nostats', ...args],
        analysis.signal,
        dir,
      );
      const files: Record<string, string> = {};
      for (const name of analysis.reportFiles ?? []) {
        files[name] = await readFile(join(dir, name), 'utf8').catch(() => '');
      }
      return { log: stderr, files };
    });
  }

  /** Streams, duration and format of the input, from ffprobe. */
  async probe(input: Buffer, signal: AbortSignal, inputExtension = 'bin'): Promise<MediaProbe> {
    return this.withTempDir(async (dir) => {
      const inputPath = await writeInput(dir, input, inputExtension);
      const { stdout } = await this.execute(
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

  private execute(
    binary: string,
    args: string[],
    signal: AbortSignal,
    dir: string,
  ): Promise<{ stdout: string; stderr: string }> {
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return new Promise((resolve, reject) => {
      execFile(
        binary,
        args,
        {
          signal: AbortSignal.any([signal, timeout]),
          killSignal: 'SIGKILL',
          maxBuffer: MAX_OUTPUT_BYTES,
          // Report files named in filters (`file=luma.txt`) land in the private dir, with no path to escape.
          cwd: dir,
          encoding: 'utf8',
          windowsHide: true,
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr });
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

async function writeInput(dir: string, input: Buffer, extension = 'bin'): Promise<string> {
  const path = join(dir, `input.${extension}`);
  await writeFile(path, input);
  return path;
}

/** The common arguments of a run: quiet, no stdin, local files only, then input and output options. */
function ffmpegArgs(
  logLevel: 'error' | 'info',
  run: { inputArgs?: string[] },
  inputPath: string,
  output: string[],
): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    logLevel,
    '-protocol_whitelist',
    PROTOCOL_WHITELIST,
    ...(run.inputArgs ?? []),
    '-i',
    inputPath,
    ...output,
  ];
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
    avg_frame_rate?: string;
    r_frame_rate?: string;
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
      frameRate: frameRate(stream.avg_frame_rate) ?? frameRate(stream.r_frame_rate),
    })),
  };
}

/** ffprobe's `30000/1001`-style rate; `0/0` (unknown, or not a video stream) is undefined. */
function frameRate(value: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
  if (!match) return undefined;
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}
