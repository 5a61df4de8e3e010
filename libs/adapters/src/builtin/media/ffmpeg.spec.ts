import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { Ffmpeg, resolveFfmpegBinaries, summarizeStderr } from './ffmpeg';

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
