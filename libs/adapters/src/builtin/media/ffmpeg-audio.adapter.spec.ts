import { AdapterDescriptorSchema } from '@omnigate/contracts';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { Ffmpeg } from './ffmpeg';
import { FfmpegAudioAdapter } from './ffmpeg-audio.adapter';
import { FfmpegVideoAdapter } from './ffmpeg-video.adapter';
import type { AudioDescription } from './audio-description';
import { durationOf, ffprobe, frameAt, loudnormMeasure, pcmWav, sine, sineWav } from './media.testing';

const JFK_DURATION_S = 11;

/** 16 kHz mono float samples, decoded by ffmpeg for an independent check. */
async function decodeMono(audio: Buffer): Promise<Float32Array> {
  const adapter = new FfmpegAudioAdapter();
  const { harness, input } = setup(audio);
  const result = await harness.invoke(adapter, {
    task: 'samples',
    inputs: [input],
    output: { modality: 'signal', mediaType: 'application/json' },
    options: { mode: 'raw', sampleRateHz: 16_000 },
  });
  return Float32Array.from(
    (JSON.parse(textOutput(result).text) as { channels: { values: number[] }[] }).channels[0].values,
  );
}

/**
 * A second pitch method for tests: per 50 ms frame, the lag of the highest normalised
 * autocorrelation (53–320 Hz), kept when it is clearly periodic (r > 0.8); the median of those.
 */
function autocorrelationMedianHz(x: Float32Array, rate = 16_000): number {
  const window = 800;
  const pitches: number[] = [];
  for (let start = 0; start + window + 300 <= x.length; start += 800) {
    let best = 0;
    let bestLag = 0;
    for (let lag = 50; lag <= 300; lag++) {
      let c = 0;
      let e0 = 0;
      let e1 = 0;
      for (let i = 0; i < window; i++) {
        c += x[start + i] * x[start + i + lag];
        e0 += x[start + i] ** 2;
        e1 += x[start + i + lag] ** 2;
      }
      const r = c / Math.sqrt(e0 * e1 || 1);
      if (r > best) [best, bestLag] = [r, lag];
    }
    if (best > 0.8) pitches.push(rate / bestLag);
  }
  pitches.sort((a, b) => a - b);
  return pitches[Math.floor(pitches.length / 2)];
}

function setup(data: Buffer = fixture('audio/jfk.wav'), mediaType = 'audio/wav') {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'audio', mediaType });
  return { harness, input, adapter: new FfmpegAudioAdapter() };
}

describe('FfmpegAudioAdapter', () => {
  describe('convert', () => {
    it.each([
      ['audio/mpeg', 'mp3', 'mp3'],
      ['audio/flac', 'flac', 'flac'],
      ['audio/ogg', 'ogg', 'vorbis'],
      ['audio/opus', 'ogg', 'opus'],
    ])('transcodes WAV to %s and keeps the duration', async (mediaType, container, codec) => {
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'audio', mediaType },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe(mediaType);
      const probed = await ffprobe(output.data);
      expect(probed.format.format_name).toContain(container);
      expect(probed.streams[0].codec_name).toBe(codec);
      expect(Math.abs(durationOf(probed) - JFK_DURATION_S) / JFK_DURATION_S).toBeLessThan(0.05);
      expect(result.warnings).toEqual([]);
    });

    it('writes WAV by default, from an MP3', async () => {
      const { harness, input, adapter } = setup(fixture('audio/jfk.mp3'), 'audio/mpeg');
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } }),
      );
      expect(output.mediaType).toBe('audio/wav');
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000', channels: 1 });
      expect(Math.abs(durationOf(probed) - 11.088) / 11.088).toBeLessThan(0.05);
    });

    it('resamples, changes the channel count and trims', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio' },
          options: { format: 'flac', sampleRateHz: 44_100, channels: 2, start: 2, duration: 3 },
        }),
      );
      expect(output.mediaType).toBe('audio/flac');
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'flac', sample_rate: '44100', channels: 2 });
      expect(durationOf(probed)).toBeCloseTo(3, 1);
    });

    it('normalises loudness and keeps the source sample rate', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio', mediaType: 'audio/wav' },
          options: { normalize: true },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000' });
      expect(Math.abs(durationOf(probed) - JFK_DURATION_S) / JFK_DURATION_S).toBeLessThan(0.05);
    });

    it('warns about options convert does not use', async () => {
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'audio' },
        options: { width: 100, duration: 1 },
      });
      expect(result.warnings).toEqual(['width is ignored by convert']);
    });

    it('refuses an output media type it does not write', async () => {
      const { harness, input, adapter } = setup();
      await expect(
        harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio', mediaType: 'audio/x-ms-wma' },
        }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: expect.stringContaining('audio/x-ms-wma'),
      });
    });

    it('refuses bytes that are not audio as unprocessable, with ffmpeg’s reason and the cause', async () => {
      const { harness, input, adapter } = setup(Buffer.from('this is not audio at all'), 'audio/wav');
      const error = await harness
        .invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
      expect((error as AdapterError).message).not.toContain('omnigate-ffmpeg-');
      expect((error as AdapterError).cause).toBeInstanceOf(Error);
    });
  });

  describe('spectrogram', () => {
    it('draws a PNG of the requested size that is not blank', async () => {
      const { harness, input, adapter } = setup(sineWav(1_000, 2));
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'spectrogram',
          inputs: [input],
          output: { modality: 'image' },
          options: { width: 320, height: 160 },
        }),
      );
      expect(output.mediaType).toBe('image/png');
      const image = sharp(output.data);
      expect(await image.metadata()).toMatchObject({ format: 'png', width: 320, height: 160 });
      const stats = await image.stats();
      expect(Math.max(...stats.channels.slice(0, 3).map((channel) => channel.stdev))).toBeGreaterThan(5);
    });
  });

  it('draws a blank spectrogram for silence, so the threshold above means something', async () => {
    const { harness, input, adapter } = setup(sineWav(0, 2));
    const output = binaryOutput(
      await harness.invoke(adapter, {
        task: 'spectrogram',
        inputs: [input],
        output: { modality: 'image' },
        options: { width: 320, height: 160 },
      }),
    );
    const stats = await sharp(output.data).stats();
    expect(Math.max(...stats.channels.slice(0, 3).map((channel) => channel.stdev))).toBeLessThan(1);
  });

  describe('samples', () => {
    it('emits a 100 Hz RMS envelope as CSV by default', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 2));
      const output = textOutput(
        await harness.invoke(adapter, { task: 'samples', inputs: [input], output: { modality: 'signal' } }),
      );
      expect(output.mediaType).toBe('text/csv');
      const [header, ...rows] = output.text.trim().split('\n');
      expect(header).toBe('time_s,audio');
      expect(rows).toHaveLength(200);
      expect(rows[1]).toMatch(/^0\.01,/);
      // A sine of amplitude 0.5 has an RMS of 0.5 / √2.
      const middle = Number(rows[100].split(',')[1]);
      expect(middle).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });

    it('emits raw stereo samples as JSON in the gateway’s signal form', async () => {
      const { harness, input, adapter } = setup();
      const output = textOutput(
        await harness.invoke(adapter, {
          task: 'samples',
          inputs: [input],
          output: { modality: 'signal', mediaType: 'application/json' },
          options: { mode: 'raw', sampleRateHz: 8_000, channels: 2, duration: 1 },
        }),
      );
      expect(output.mediaType).toBe('application/json');
      const signal = JSON.parse(output.text) as {
        sampleRateHz: number;
        channels: { name: string; values: number[] }[];
      };
      expect(signal.sampleRateHz).toBe(8_000);
      expect(signal.channels.map((channel) => channel.name)).toEqual(['left', 'right']);
      expect(signal.channels[0].values.length).toBeGreaterThan(7_900);
      expect(signal.channels[0].values.length).toBeLessThanOrEqual(8_000);
      expect(signal.channels[0].values.some((value) => Math.abs(value) > 0.01)).toBe(true);
    });

    it('falls back to raw samples with a warning when an envelope rate is too high', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 0.5));
      const result = await harness.invoke(adapter, {
        task: 'samples',
        inputs: [input],
        output: { modality: 'signal' },
        options: { sampleRateHz: 4_000 },
      });
      expect(result.warnings).toEqual([
        'an envelope needs sampleRateHz <= 1000; emitting raw samples instead',
      ]);
      expect(textOutput(result).text.trim().split('\n')).toHaveLength(1 + 2_000);
    });
  });

  describe('describe', () => {
    const describeAudio = async (
      data: Buffer,
      options: Record<string, unknown> = {},
      mediaType = 'application/json',
    ) => {
      const { harness, input, adapter } = setup(data);
      const result = await harness.invoke(adapter, {
        task: 'describe',
        inputs: [input],
        output: { modality: 'text', mediaType },
        options,
      });
      return { result, output: textOutput(result) };
    };

    // 1 s of silence, 2 s of a 220 Hz sine at −6 dBFS, 1 s of silence.
    const toneInSilence = () => {
      const samples = new Float32Array(4 * 16_000);
      samples.set(sine(220, 2), 16_000);
      return pcmWav(samples);
    };

    it('measures a tone between silences: loudness, true peak, the silent spans and the pitch', async () => {
      const { output, result } = await describeAudio(toneInSilence());
      expect(output.mediaType).toBe('application/json');
      const description = JSON.parse(output.text) as AudioDescription;
      expect(description).toMatchObject({ sampleRateHz: 16_000, channels: 1, codec: 'pcm_s16le' });
      expect(description.durationS).toBeCloseTo(4, 2);
      // A sine's RMS is 3 dB under its peak, and BS.1770 subtracts 0.691 dB (its K-weighting adds that
      // back only near 1 kHz): −6 dBFS peak at 220 Hz is about −9.7 LUFS, a little less where gating
      // blocks straddle the tone's edges.
      expect(description.loudness.integratedLufs).toBeGreaterThan(-11);
      expect(description.loudness.integratedLufs).toBeLessThan(-9);
      expect(description.loudness.truePeakDbfs).toBeCloseTo(-6.02, 0);
      const segments = description.silence.segments;
      expect(segments).toHaveLength(2);
      expect(segments[0].startS).toBeCloseTo(0, 1);
      expect(segments[0].endS).toBeCloseTo(1, 1);
      expect(segments[1].startS).toBeCloseTo(3, 1);
      expect(segments[1].endS).toBeCloseTo(4, 1);
      expect(description.silence.silentFraction).toBeCloseTo(0.5, 1);
      expect(description.pitch?.medianHz).toBeCloseTo(220, 0);
      expect(description.pitch?.voicedFraction).toBeCloseTo(0.5, 1);
      expect(result.warnings).toEqual([]);
    });

    it('agrees with ffmpeg’s loudnorm on loudness and with autocorrelation on the pitch of speech', async () => {
      const loudnorm = await loudnormMeasure(fixture('audio/jfk.wav'));
      const { output } = await describeAudio(fixture('audio/jfk.wav'));
      const description = JSON.parse(output.text) as AudioDescription;
      expect(description.durationS).toBeCloseTo(JFK_DURATION_S, 1);
      // Two implementations (loudnorm resamples to 192 kHz and gates on its own): within 1 LU / 1 dB.
      expect(Math.abs(description.loudness.integratedLufs! - loudnorm.integratedLufs)).toBeLessThan(1);
      expect(Math.abs(description.loudness.truePeakDbfs! - loudnorm.truePeakDbfs)).toBeLessThan(1);
      expect(description.loudness.rangeLu).toBeGreaterThan(0);
      // A second method agrees to 10 % (this declamatory voice sits around 200–300 Hz, not a talking 120 Hz).
      const reference = autocorrelationMedianHz(await decodeMono(fixture('audio/jfk.wav')));
      expect(Math.abs(description.pitch!.medianHz - reference) / reference).toBeLessThan(0.1);
      expect(description.pitch!.p10Hz).toBeLessThanOrEqual(description.pitch!.medianHz);
      expect(description.pitch!.p90Hz).toBeGreaterThanOrEqual(description.pitch!.medianHz);
    });

    it('writes a readable plain-text summary by default', async () => {
      const { harness, input, adapter } = setup(toneInSilence());
      const output = textOutput(
        await harness.invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } }),
      );
      expect(output.mediaType).toBe('text/plain');
      const lines = output.text.trim().split('\n');
      expect(lines[0]).toMatch(/^audio: 4 s, wav \(pcm_s16le\), 16000 Hz, 1 channel$/);
      expect(lines[1]).toMatch(
        /^loudness: -\d+(\.\d)? LUFS integrated, range \S+ LU, true peak -6(\.\d)? dBFS$/,
      );
      expect(lines[2]).toMatch(
        /^silence \(under -40 dB for 0.5 s or more\): 5\d % in 2: 0-1(\.\d+)? s, 3(\.\d+)?-4 s$/,
      );
      expect(lines[3]).toMatch(/^pitch: median 2[12]\d(\.\d+)? Hz, /);
    });

    it('honours the silence threshold and minimum length', async () => {
      const silences = async (options: Record<string, unknown>) =>
        (JSON.parse((await describeAudio(fixture('audio/jfk.wav'), options)).output.text) as AudioDescription)
          .silence;
      const strict = await silences({ silenceThresholdDb: -60, minSilenceS: 1 });
      const loose = await silences({ silenceThresholdDb: -30, minSilenceS: 0.3 });
      expect(strict).toMatchObject({ thresholdDb: -60, minDurationS: 1 });
      expect(loose.segments.length).toBeGreaterThan(strict.segments.length);
      expect(loose.silentFraction).toBeGreaterThan(strict.silentFraction);
      for (const segment of loose.segments)
        expect(segment.endS - segment.startS).toBeGreaterThanOrEqual(0.29);
    });

    it('describes digital silence as silent, with no pitch and a peak of -inf', async () => {
      const { output } = await describeAudio(pcmWav(new Float32Array(2 * 16_000)));
      const description = JSON.parse(output.text) as AudioDescription;
      expect(description.loudness.truePeakDbfs).toBeNull();
      expect(description.silence.silentFraction).toBe(1);
      expect(description.pitch).toBeUndefined();
      const { output: text } = await describeAudio(pcmWav(new Float32Array(2 * 16_000)), {}, 'text/plain');
      expect(text.text).toContain('true peak -inf dBFS');
      expect(text.text).toContain('pitch: none (no voiced part)');
    });

    it('describes only the span start/duration select', async () => {
      const { output } = await describeAudio(toneInSilence(), { start: 1, duration: 2 });
      const description = JSON.parse(output.text) as AudioDescription;
      expect(description.durationS).toBeCloseTo(2, 2);
      expect(description.silence.segments).toEqual([]);
      expect(description.pitch?.voicedFraction).toBeGreaterThan(0.9);
    });

    it('refuses a file without an audio stream, and a media type it does not write', async () => {
      const harness = createAdapterHarness();
      const adapter = new FfmpegAudioAdapter();
      const video = harness.put(fixture('video/fixture.mov'), {
        modality: 'audio',
        mediaType: 'video/quicktime',
      });
      await expect(
        harness.invoke(adapter, { task: 'describe', inputs: [video], output: { modality: 'text' } }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'the input has no audio stream to describe',
      });
      const { harness: h2, input } = setup(sineWav(440, 0.5));
      await expect(
        h2.invoke(adapter, {
          task: 'describe',
          inputs: [input],
          output: { modality: 'text', mediaType: 'text/html' },
        }),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
    });
  });

  describe('visualize', () => {
    it('draws a moving waveform video with the sound, as H.264/AAC MP4 by default', async () => {
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'visualize',
        inputs: [input],
        output: { modality: 'video' },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe('video/mp4');
      const probed = await ffprobe(output.data);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        codec_name: 'h264',
        width: 640,
        height: 360,
        avg_frame_rate: '25/1',
      });
      expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
      expect(Math.abs(durationOf(probed) - JFK_DURATION_S) / JFK_DURATION_S).toBeLessThan(0.05);
      const [early, late] = await Promise.all([frameAt(output.data, 1), frameAt(output.data, 7)]);
      const stdev = async (png: Buffer) =>
        Math.max(...(await sharp(png).stats()).channels.map((c) => c.stdev));
      expect(await stdev(early)).toBeGreaterThan(5);
      expect(early.equals(late)).toBe(false);
      expect(result.warnings).toEqual([]);
    });

    it('draws a spectrum as VP9/Opus WebM at the asked size and frame rate, rounded to even', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 2));
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'visualize',
          inputs: [input],
          output: { modality: 'video', mediaType: 'video/webm' },
          options: { style: 'spectrum', width: 321, height: 241, fps: 10 },
        }),
      );
      expect(output.mediaType).toBe('video/webm');
      const probed = await ffprobe(output.data);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        codec_name: 'vp9',
        width: 320,
        height: 240,
        avg_frame_rate: '10/1',
      });
      expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'opus' });
      const frame = await sharp(await frameAt(output.data, 1.5)).stats();
      expect(Math.max(...frame.channels.map((c) => c.stdev))).toBeGreaterThan(5);
    });

    it('caps the size with a warning, and refuses input without sound', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 0.3));
      const result = await harness.invoke(adapter, {
        task: 'visualize',
        inputs: [input],
        output: { modality: 'video' },
        options: { width: 5_000, height: 64 },
      });
      expect(result.warnings).toEqual(['width 5000 is over 3840; using 3840']);
      expect((await ffprobe(binaryOutput(result).data)).streams[0]).toMatchObject({
        width: 3840,
        height: 64,
      });
      const image = harness.put(fixture('image/fixture.png'), { modality: 'audio', mediaType: 'image/png' });
      await expect(
        harness.invoke(adapter, { task: 'visualize', inputs: [image], output: { modality: 'video' } }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'the input has no audio stream to visualize',
      });
    });
  });

  it('has a descriptor the contract accepts', () => {
    const { descriptor } = new FfmpegAudioAdapter();
    expect(AdapterDescriptorSchema.parse(descriptor)).toEqual(descriptor);
  });

  it('validates options with its schema, dropping unknown keys', () => {
    const adapter = new FfmpegAudioAdapter();
    expect(adapter.options.safeParse({ sampleRateHz: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ format: 'aac' }).success).toBe(false);
    expect(adapter.options.safeParse({ start: -1 }).success).toBe(false);
    expect(adapter.options.parse({ normalize: true, reverb: 1 })).toEqual({ normalize: true });
    expect(adapter.options.safeParse({ fps: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ fps: 61 }).success).toBe(false);
    expect(adapter.options.safeParse({ style: 'bars' }).success).toBe(false);
    expect(adapter.options.safeParse({ silenceThresholdDb: 3 }).success).toBe(false);
  });

  it('declares convert, spectrogram, samples, describe and visualize', () => {
    expect(new FfmpegAudioAdapter().descriptor.capabilities.map((c) => `${c.task}:${c.output}`)).toEqual([
      'convert:audio',
      'spectrogram:image',
      'samples:signal',
      'describe:text',
      'visualize:video',
    ]);
  });

  it('makes describe and visualize one hop, cheaper than the two-hop routes they replace', () => {
    // As the route planner adds a hop up: its cost hint plus a little for latency.
    const cost = ({ descriptor }: FfmpegAudioAdapter | FfmpegVideoAdapter, task: string) => {
      const capability = descriptor.capabilities.find((c) => c.task === task)!;
      return (
        (capability.costHint ?? descriptor.costHint ?? 1) +
        (capability.latencyHintMs ?? descriptor.latencyHintMs ?? 0) / 10_000
      );
    };
    const audio = new FfmpegAudioAdapter();
    // Any further hop costs at least 1, so samples → builtin.signal describe costs more.
    expect(cost(audio, 'describe')).toBeLessThan(cost(audio, 'samples') + 1);
    expect(cost(audio, 'visualize')).toBeLessThan(
      cost(audio, 'spectrogram') + cost(new FfmpegVideoAdapter(), 'still'),
    );
  });

  describe('hostile input (issue 12)', () => {
    it.each(['convert', 'spectrogram', 'samples', 'describe', 'visualize'])(
      'refuses to %s audio longer than LIMIT_MEDIA_DURATION_S, from its header',
      async (task) => {
        const { harness, input } = setup();
        const adapter = new FfmpegAudioAdapter(new Ffmpeg(), { ...DEFAULT_INPUT_LIMITS, mediaDurationS: 10 });
        await expect(
          harness.invoke(adapter, { task, inputs: [input], output: { modality: 'audio' } }),
        ).rejects.toMatchObject({
          code: 'payload_too_large',
          details: { limit: 'LIMIT_MEDIA_DURATION_S', max: 10, actual: JFK_DURATION_S },
        });
      },
    );

    it('refuses samples that would be too many values from the length, before decoding', async () => {
      const { harness, input, adapter } = setup();
      const ffmpegRuns = vi.spyOn(Ffmpeg.prototype, 'run');
      await expect(
        harness.invoke(adapter, {
          task: 'samples',
          inputs: [input],
          output: { modality: 'signal' },
          options: { mode: 'raw', sampleRateHz: 384_000, channels: 2 },
        }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: expect.stringContaining('8448000 values'),
      });
      expect(ffmpegRuns).not.toHaveBeenCalled();
      ffmpegRuns.mockRestore();
    });
  });

  it('does no work once the job is aborted', async () => {
    const { harness, input, adapter } = setup();
    harness.controller.abort(new Error('cancelled'));
    await expect(
      harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } }),
    ).rejects.toThrow('cancelled');
  });
});
