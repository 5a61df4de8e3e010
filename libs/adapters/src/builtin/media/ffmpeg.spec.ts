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
