import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { Ffmpeg, resolveFfmpegBinaries, summarizeStderr } from './ffmpeg';

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

describe('Ffmpeg', () => {
  let tempRoot: string;
  beforeEach(async () => {
    tempRoot = await mkdtemp(join(tmpdir(), 'ffmpeg-spec-'));
  });
  afterEach(async () => {
    await rm(tempRoot, { recursive: true, force: true });
  });

  it('removes its temp dir after a run, a probe and a failure', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot });
    const signal = new AbortController().signal;
    const wav = fixture('audio/jfk.wav');
    await ffmpeg.run({
      input: wav,
      inputExtension: 'wav',
      outputArgs: ['-t', '1'],
      outputExtension: 'flac',
      signal,
    });
    expect((await ffmpeg.probe(wav, signal, 'wav')).streams[0]).toMatchObject({
      codecType: 'audio',
      sampleRateHz: 16_000,
      channels: 1,
    });
    await expect(
      ffmpeg.run({ input: Buffer.from('junk'), outputArgs: [], outputExtension: 'wav', signal }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('analyses to the null muxer: returns the filters’ log and report files, then removes its temp dir', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot });
    const report = await ffmpeg.analyze({
      input: fixture('video/fixture.3gp'),
      inputExtension: '3gp',
      outputArgs: [
        '-map',
        '0:v:0',
        '-vf',
        'signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=luma.txt',
      ],
      reportFiles: ['luma.txt', 'never-written.txt'],
      signal: new AbortController().signal,
    });
    const luma = [...report.files['luma.txt'].matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
    // 5.578 s at 30 fps.
    expect(luma.length).toBeGreaterThan(160);
    expect(luma.every((value) => value > 0 && value < 255)).toBe(true);
    expect(report.files['never-written.txt']).toBe('');
    expect(report.log).toContain('Stream mapping');
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('reads a video stream’s frame rate, and none for audio', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot });
    const probe = await ffmpeg.probe(fixture('video/fixture.3gp'), new AbortController().signal, '3gp');
    expect(probe.streams.find((s) => s.codecType === 'video')?.frameRate).toBe(30);
    expect(probe.streams.find((s) => s.codecType === 'audio')?.frameRate).toBeUndefined();
  });

  it('stops an analysis when aborted', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot });
    const controller = new AbortController();
    const run = ffmpeg.analyze({
      input: fixture('image/fixture.png'),
      inputExtension: 'png',
      inputArgs: ['-loop', '1'],
      outputArgs: ['-t', '3600', '-vf', 'signalstats'],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled')), 200);
    await expect(run).rejects.toThrow('cancelled');
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('stops a run at its time budget as bad input, not to be retried (M1: ffmpeg spun for 5 minutes, 3 times)', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot, budget: { baseMs: 300, msPerMediaSecond: 0, msPerMegapixel: 0 } });
    const started = Date.now();
    const run = ffmpeg.run({
      input: fixture('image/fixture.png'),
      inputExtension: 'png',
      inputArgs: ['-loop', '1'],
      outputArgs: ['-t', '3600', '-c:v', 'libx264', '-preset', 'veryfast'],
      outputExtension: 'mp4',
      work: { seconds: 1, pixelsPerSecond: 25 * 200 * 133 },
      signal: new AbortController().signal,
    });
    await expect(run).rejects.toMatchObject({
      code: 'unprocessable_input',
      retryable: false,
      message: expect.stringContaining('took too long'),
      details: { budgetMs: 300 },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('gives a run time in proportion to its work, and refuses work over the longest budget before running it', async () => {
    const ffmpeg = new Ffmpeg({ tempRoot });
    const hd = 25 * 1920 * 1080;
    expect(ffmpeg.budgetMs({ seconds: 60, pixelsPerSecond: hd })).toBeGreaterThan(
      4 * ffmpeg.budgetMs({ seconds: 10, pixelsPerSecond: hd }) - 4 * ffmpeg.budget.baseMs,
    );
    expect(ffmpeg.budgetMs({ seconds: 10 })).toBeLessThan(
      ffmpeg.budgetMs({ seconds: 10, pixelsPerSecond: hd }),
    );
    await expect(
      ffmpeg.run({
        input: fixture('image/fixture.png'),
        outputArgs: [],
        outputExtension: 'mp4',
        work: { seconds: 3 * 3600, pixelsPerSecond: 60 * 3840 * 2160 },
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'payload_too_large', details: { maxBudgetMs: ffmpeg.budget.maxMs } });
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it.skipIf(!hasPrlimit)('bounds the memory ffmpeg may allocate (prlimit)', async () => {
    const run = (memoryBytes: number) =>
      new Ffmpeg({ tempRoot, memoryBytes }).run({
        input: fixture('image/fixture.png'),
        inputExtension: 'png',
        outputArgs: ['-vf', 'scale=3840:2160', '-frames:v', '1', '-c:v', 'libx264', '-preset', 'veryfast'],
        outputExtension: 'mp4',
        signal: new AbortController().signal,
      });
    expect((await run(0)).length).toBeGreaterThan(0);
    await expect(run(32 * 1024 ** 2)).rejects.toMatchObject({ code: 'unprocessable_input' });
  });

  it('reports a missing binary as unavailable, not as bad input', async () => {
    const ffmpeg = new Ffmpeg({
      tempRoot,
      binaries: { ffmpeg: 'no-such-ffmpeg-binary', ffprobe: 'ffprobe' },
    });
    await expect(
      ffmpeg.run({
        input: fixture('audio/jfk.wav'),
        outputArgs: [],
        outputExtension: 'wav',
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('reads FFMPEG_PATH and FFPROBE_PATH, and refuses one that names no file', () => {
    expect(resolveFfmpegBinaries({})).toEqual({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' });
    expect(resolveFfmpegBinaries({ FFMPEG_PATH: process.execPath })).toEqual({
      ffmpeg: process.execPath,
      ffprobe: 'ffprobe',
    });
    expect(() => resolveFfmpegBinaries({ FFPROBE_PATH: '/nowhere/ffprobe' })).toThrow(
      'FFPROBE_PATH=/nowhere/ffprobe does not exist',
    );
  });

  it('summarises stderr as its last lines, without the temp dir', () => {
    const stderr = 'a\n\nb\n/tmp/x/input.bin: Invalid data found when processing input\n';
    expect(summarizeStderr(stderr, '/tmp/x')).toBe(
      'a; b; input.bin: Invalid data found when processing input',
    );
  });
});
