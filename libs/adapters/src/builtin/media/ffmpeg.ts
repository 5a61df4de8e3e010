import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { PrivateTempDirs } from './private-temp-dirs';

/** Where the ffmpeg and ffprobe executables are; resolved once, at construction. */
export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export interface FfmpegSettings {
  binaries?: FfmpegBinaries;
  /** How long a run that declares no `work` may take; default 5 minutes. */
  timeoutMs?: number;
  /** How long a run that declares its `work` may take, and a probe; defaults in DEFAULT_FFMPEG_BUDGET. */
  budget?: Partial<FfmpegBudget>;
  /** Threads one run may decode, filter and encode with; default 2. */
  threads?: number;
  /**
   * Memory one ffmpeg or ffprobe may allocate (RLIMIT_DATA), set with util-linux's `prlimit` when it
   * is on PATH; default 2 GiB. 0 sets no limit.
   */
  memoryBytes?: number;
  /** Where the per-run temp dirs go; default the OS temp dir. */
  tempRoot?: string;
}

/**
 * The time a run may take, from the work it declares: ffmpeg is a deterministic local tool, so a
 * run that overruns a generous budget for its work would overrun it again, and the input is at
 * fault (M1: a PNG with 26 bytes inserted made ffmpeg spin at 100 % CPU until killed).
 */
export interface FfmpegBudget {
  /** Every run: starting, probing the input, writing the output. */
  baseMs: number;
  /** Per second of media read or written (demuxing, sound). */
  msPerMediaSecond: number;
  /** Per million pixels decoded, filtered or encoded. */
  msPerMegapixel: number;
  /** No run is given longer: a run whose budget would be longer is refused before it starts. */
  maxMs: number;
  /** A probe, which reads headers. */
  probeMs: number;
}

/**
 * About ten times what the work takes on one busy core: libx264 `veryfast` encodes 1080p at about
 * 90 megapixels per CPU second here, ffmpeg decodes and re-encodes sound at hundreds of times real time.
 */
export const DEFAULT_FFMPEG_BUDGET: Readonly<FfmpegBudget> = {
  baseMs: 20_000,
  msPerMediaSecond: 50,
  msPerMegapixel: 100,
  maxMs: 30 * 60_000,
  probeMs: 10_000,
};

/** What one run reads, filters and writes: the base of its time budget. */
export interface FfmpegWork {
  /** Seconds of media read or written, whichever is more. */
  seconds: number;
  /** Pixels per second of media decoded, filtered or encoded, all pictures of the run together. */
  pixelsPerSecond?: number;
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
  /** The work the run does, for its time budget; without it the run gets `timeoutMs`. */
  work?: FfmpegWork;
  /** ffmpeg stops writing at this size (`-fs`), and the run is refused as too large (413); default 512 MiB. */
  maxOutputBytes?: number;
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
  /** The work the run does, for its time budget; without it the run gets `timeoutMs`. */
  work?: FfmpegWork;
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
  /**
   * Degrees the picture is turned when shown (phones record upright video sideways and say so);
   * ffmpeg applies it when decoding, so at 90 or 270 the decoded frames are height × width.
   */
  rotation?: number;
}

/** The probed length in seconds: the container's, else the longest stream's; undefined when neither says. */
export function probedDurationS(probe: MediaProbe): number | undefined {
  if (probe.durationS !== undefined) return probe.durationS;
  const streams = probe.streams.flatMap((stream) =>
    stream.durationS === undefined ? [] : [stream.durationS],
  );
  return streams.length === 0 ? undefined : streams.reduce((a, b) => Math.max(a, b));
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const DEFAULT_THREADS = 2;
const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
const TEMP_DIR_PREFIX = 'omnigate-ffmpeg-';
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
 * output through a private temp dir that is always removed, killed on abort or when its time
 * budget runs out, with bounded threads and (through `prlimit`, when installed) bounded memory.
 * It knows nothing about tasks or routing; the adapters build the arguments and say what work a run does.
 */
export class Ffmpeg {
  readonly binaries: FfmpegBinaries;
  readonly timeoutMs: number;
  readonly budget: Readonly<FfmpegBudget>;
  private readonly threads: number;
  private readonly memoryBytes: number;
  private readonly prlimit: string | undefined;
  private readonly tempDirs: PrivateTempDirs;

  constructor(settings: FfmpegSettings = {}) {
    this.binaries = settings.binaries ?? resolveFfmpegBinaries();
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.budget = { ...DEFAULT_FFMPEG_BUDGET, ...settings.budget };
    this.threads = settings.threads ?? DEFAULT_THREADS;
    this.memoryBytes = settings.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    this.prlimit = this.memoryBytes > 0 ? onPath('prlimit') : undefined;
    // A dir outlives no run by more than the longest budget; twice that is surely abandoned.
    const staleAfterMs = 2 * Math.max(this.budget.maxMs, this.timeoutMs);
    this.tempDirs = new PrivateTempDirs(settings.tempRoot ?? tmpdir(), TEMP_DIR_PREFIX, staleAfterMs);
  }

  /** The time a run that does `work` may take; over `budget.maxMs` it is not run. */
  budgetMs(work: FfmpegWork): number {
    const megapixels = (work.seconds * (work.pixelsPerSecond ?? 0)) / 1e6;
    return Math.ceil(
      this.budget.baseMs +
        work.seconds * this.budget.msPerMediaSecond +
        megapixels * this.budget.msPerMegapixel,
    );
  }

  /** Runs ffmpeg and returns the bytes of its output file; bad input is `unprocessable_input`. */
  async run(run: FfmpegRun): Promise<Buffer> {
    const timeLimit = this.timeLimit(run.work);
    return this.tempDirs.use(async (dir) => {
      const outputPath = join(dir, `output.${run.outputExtension}`);
      const inputPath = await writeInput(dir, run.input, run.inputExtension);
      const maxOutputBytes = run.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
      const output = [...run.outputArgs, '-fs', String(maxOutputBytes), '-y', outputPath];
      const args = this.ffmpegArgs('error', run, inputPath, output, timeLimit);
      await this.execute(this.binaries.ffmpeg, args, run.signal, dir, timeLimit);
      const { size } = await stat(outputPath).catch(() => ({ size: 0 }));
      if (size === 0) {
        throw AdapterError.unprocessable('ffmpeg produced no output for this input and these options');
      }
      if (size >= maxOutputBytes) {
        throw new AdapterError(
          'payload_too_large',
          `the output would be larger than the ${maxOutputBytes} bytes one run may write; ask for less (a shorter duration, a smaller picture)`,
          { details: { maxOutputBytes } },
        );
      }
      return readFile(outputPath);
    });
  }

  /** Decodes the input through measuring filters to the null muxer; returns the log and the report files. */
  async analyze(analysis: FfmpegAnalysis): Promise<FfmpegReport> {
    const timeLimit = this.timeLimit(analysis.work);
    return this.tempDirs.use(async (dir) => {
      const inputPath = await writeInput(dir, analysis.input, analysis.inputExtension);
      const output = [...analysis.outputArgs, '-f', 'null', '-'];
      const args = this.ffmpegArgs('info', analysis, inputPath, output, timeLimit);
      const { stderr } = await this.execute(
        this.binaries.ffmpeg,
        ['-nostats', ...args],
        analysis.signal,
        dir,
        timeLimit,
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
    const timeLimit: TimeLimit = { ms: this.budget.probeMs, what: 'ffprobe' };
    return this.tempDirs.use(async (dir) => {
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
        timeLimit,
      );
      return parseProbe(stdout);
    });
  }

  /** The run's budget from its work (413 when over the most one run may have), else `timeoutMs`. */
  private timeLimit(work: FfmpegWork | undefined): TimeLimit {
    if (!work) return { ms: this.timeoutMs, what: 'ffmpeg' };
    const ms = this.budgetMs(work);
    if (ms > this.budget.maxMs) {
      throw new AdapterError(
        'payload_too_large',
        `this asks ffmpeg for about ${Math.round(ms / 60_000)} minutes of work, over the ${Math.round(this.budget.maxMs / 60_000)} one job may have; ask for a shorter duration or a smaller picture`,
        { details: { budgetMs: ms, maxBudgetMs: this.budget.maxMs, work } },
      );
    }
    return { ms, what: 'ffmpeg', work };
  }

  /** The common arguments of a run: quiet, no stdin, local files only, bounded threads and CPU time, then input and output options. */
  private ffmpegArgs(
    logLevel: 'error' | 'info',
    run: { inputArgs?: string[] },
    inputPath: string,
    output: string[],
    timeLimit: TimeLimit,
  ): string[] {
    const threads = String(this.threads);
    return [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      logLevel,
      '-protocol_whitelist',
      PROTOCOL_WHITELIST,
      // CPU seconds, all threads together: only an ffmpeg whose parent was killed ever reaches it.
      '-timelimit',
      String(Math.ceil((timeLimit.ms / 1000) * this.threads) + 1),
      '-filter_threads',
      threads,
      '-filter_complex_threads',
      threads,
      ...(run.inputArgs ?? []),
      '-threads',
      threads,
      '-i',
      inputPath,
      '-threads',
      threads,
      ...output,
    ];
  }

  private execute(
    binary: string,
    args: string[],
    signal: AbortSignal,
    dir: string,
    timeLimit: TimeLimit,
  ): Promise<{ stdout: string; stderr: string }> {
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(timeLimit.ms);
    const [command, argv] = this.prlimit
      ? [this.prlimit, [`--data=${this.memoryBytes}`, '--', binary, ...args]]
      : [binary, args];
    return new Promise((resolve, reject) => {
      execFile(
        command,
        argv,
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
          if (timeout.aborted) return reject(overrun(timeLimit, error));
          // prlimit says 127 when it cannot start the binary.
          const notFound =
            (error as NodeJS.ErrnoException).code === 'ENOENT' ||
            (this.prlimit !== undefined && error.code === 127 && stderr.includes('failed to execute'));
          if (notFound) {
            return reject(
              new AdapterError('unavailable', `cannot run ${binary}: not found`, {
                retryable: false,
                cause: error,
              }),
            );
          }
          if ((error as NodeJS.ErrnoException).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            return reject(
              AdapterError.unprocessable(
                `${binary} printed more than ${MAX_OUTPUT_BYTES} bytes about this input`,
                error,
              ),
            );
          }
          reject(AdapterError.unprocessable(summarizeStderr(stderr, dir) || errorMessage(error), error));
        },
      );
    });
  }
}

/** How long one ffmpeg or ffprobe may run, and the work that budget is for. */
interface TimeLimit {
  ms: number;
  what: 'ffmpeg' | 'ffprobe';
  work?: FfmpegWork;
}

/**
 * A run that outlived its time. ffmpeg and ffprobe are deterministic local tools: the same input
 * would take as long again, so the input is at fault (422), and the job is not retried.
 */
function overrun(timeLimit: TimeLimit, cause: unknown): AdapterError {
  return new AdapterError(
    'unprocessable_input',
    `the input took too long to process: ${timeLimit.what} did not finish within its time budget of ${timeLimit.ms} ms`,
    { details: { budgetMs: timeLimit.ms, ...(timeLimit.work ? { work: timeLimit.work } : {}) }, cause },
  );
}

/** The path of `name` on PATH, else undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}

async function writeInput(dir: string, input: Buffer, extension = 'bin'): Promise<string> {
  const path = join(dir, `input.${extension}`);
  await writeFile(path, input);
  return path;
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
    side_data_list?: { rotation?: number }[];
    tags?: { rotate?: string };
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
      rotation: rotation(stream),
    })),
  };
}

/** The display rotation in degrees (0 to 359): the display matrix's, else the older `rotate` tag's. */
function rotation(stream: NonNullable<RawProbe['streams']>[number]): number | undefined {
  const fromMatrix = stream.side_data_list?.find((data) => typeof data.rotation === 'number')?.rotation;
  const degrees = fromMatrix ?? (stream.tags?.rotate !== undefined ? Number(stream.tags.rotate) : undefined);
  if (degrees === undefined || !Number.isFinite(degrees)) return undefined;
  return ((Math.round(degrees) % 360) + 360) % 360;
}

/** ffprobe's `30000/1001`-style rate; `0/0` (unknown, or not a video stream) is undefined. */
function frameRate(value: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
  if (!match) return undefined;
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}
