import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeSource } from '../media-prober';
import { readAudioHeader } from './audio-header';
import {
  audioMeta,
  FFPROBE_ENTRIES,
  type FfprobeReport,
  parseFfprobeReport,
  videoMeta,
} from './ffprobe-report';
import {
  type AudioMeta,
  type ProbeFailure,
  probeFailure,
  type VideoHeaderMeta,
  type VideoMeta,
} from './probe-meta';

/** ffprobe prints a few hundred bytes for the entries asked; more than this is not a report. */
const MAX_REPORT_BYTES = 1024 * 1024;

type FfprobeRun = { ok: true; report: FfprobeReport } | { ok: false; reason: string };

/**
 * Audio and video metadata from ffprobe, run on the blob's local file, or on a temporary copy
 * when there is none (never on a pipe: an MP4 whose moov atom is at the end needs to seek).
 * Without ffprobe, audio falls back to its header and video to nothing (`probe: 'header'`).
 */
export class AvProbe {
  constructor(
    /** Resolved at start-up; undefined when ffprobe is not installed. */
    private readonly ffprobePath: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  async probe(
    modality: 'audio' | 'video',
    source: ProbeSource,
  ): Promise<AudioMeta | VideoMeta | VideoHeaderMeta | ProbeFailure> {
    const binary = this.ffprobePath;
    if (modality === 'audio') {
      // WAV, AIFF and FLAC say all of it in their headers: no process to start for those.
      const header = readAudioHeader(source.sample, source.totalBytes);
      if (!binary || header.probe === 'failed' || isComplete(header)) return header;
    } else if (!binary) {
      return { probe: 'header' };
    }
    const run = source.localPath
      ? await this.run(binary, source.localPath)
      : await withTemporaryFile(await source.read(), (path) => this.run(binary, path));
    if (!run.ok) return probeFailure(run.reason);
    return modality === 'audio' ? audioMeta(run.report) : videoMeta(run.report);
  }

  private run(binary: string, path: string): Promise<FfprobeRun> {
    const input = `file:${path}`;
    const args = [
      '-v',
      'error',
      // The input may name other resources (playlists, references): it may open nothing but files.
      '-protocol_whitelist',
      'file',
      '-print_format',
      'json',
      '-show_entries',
      FFPROBE_ENTRIES,
      input,
    ];
    const options = {
      timeout: this.timeoutMs,
      killSignal: 'SIGKILL' as const,
      maxBuffer: MAX_REPORT_BYTES,
      windowsHide: true,
    };
    return new Promise((resolve) => {
      execFile(binary, args, options, (error, stdout, stderr) => {
        if (error) {
          resolve({ ok: false, reason: failureReason(error, String(stderr), [input, path], this.timeoutMs) });
          return;
        }
        const report = parseFfprobeReport(String(stdout));
        resolve(report ? { ok: true, report } : { ok: false, reason: 'ffprobe gave no readable report' });
      });
    });
  }
}

type ExecError = Error & { code?: number | string | null; killed?: boolean; signal?: NodeJS.Signals | null };

function failureReason(error: ExecError, stderr: string, paths: string[], timeoutMs: number): string {
  if (error.killed && error.signal === 'SIGKILL') return `ffprobe timed out after ${timeoutMs} ms`;
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'ffprobe printed more than a report';
  if (typeof error.code === 'string') return `ffprobe could not run (${error.code})`;
  return describeStderr(stderr, paths) ?? `ffprobe exited with code ${String(error.code ?? error.signal)}`;
}

/**
 * ffprobe's last error line (the verdict: "Invalid data found when processing input") and its
 * first (the demuxer's detail), without the server's paths or the `[demuxer @ 0x...]` noise.
 */
function describeStderr(stderr: string, paths: string[]): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => {
      // No `[` inside the name: each `[` starts a run no other start re-reads (linear in the line).
      let clean = line.replace(/\[([^\]@[]+?) @ 0x[0-9a-f]+\]\s*/g, '$1: ').trim();
      for (const path of paths) clean = clean.split(path).join('input');
      return clean;
    })
    .filter((line) => line.length > 0);
  if (lines.length === 0) return undefined;
  const verdict = lines[lines.length - 1];
  const detail = lines.length > 1 ? ` (${lines[0]})` : '';
  return `${verdict}${detail}`.slice(0, 300);
}

async function withTemporaryFile<T>(content: Buffer, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-probe-'));
  try {
    const path = join(dir, 'input');
    await writeFile(path, content);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A header reading that leaves nothing for ffprobe to add. */
function isComplete(meta: AudioMeta): boolean {
  return (
    meta.codec !== undefined &&
    meta.sampleRateHz !== undefined &&
    meta.channels !== undefined &&
    meta.durationS !== undefined &&
    ['wav', 'aiff', 'flac'].includes(meta.container ?? '')
  );
}
