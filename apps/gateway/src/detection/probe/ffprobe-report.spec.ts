import { describe, expect, it } from 'vitest';
import { audioMeta, parseFfprobeReport, videoMeta } from './ffprobe-report';

const report = (value: unknown) => {
  const parsed = parseFfprobeReport(JSON.stringify(value));
  if (!parsed) throw new Error('not a report');
  return parsed;
};

describe('parseFfprobeReport', () => {
  it.each([
    ['text that is not JSON', 'Segmentation fault'],
    ['JSON of another shape', JSON.stringify({ streams: 'none' })],
    ['a stream field of the wrong type', JSON.stringify({ streams: [{ channels: 'two' }] })],
  ])('refuses %s', (_what, stdout) => {
    expect(parseFfprobeReport(stdout)).toBeUndefined();
  });

  it('takes an empty report as no streams', () => {
    expect(parseFfprobeReport('{}')).toEqual({ streams: [] });
  });
});

describe('audioMeta', () => {
  it('reads the first audio stream and the container duration', () => {
    const meta = audioMeta(
      report({
        streams: [
          { codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
          { codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2, duration: '1.5' },
        ],
        format: { format_name: 'mp3', duration: '1.500000' },
      }),
    );
    expect(meta).toEqual({
      probe: 'ffprobe',
      container: 'mp3',
      codec: 'mp3',
      sampleRateHz: 44100,
      channels: 2,
      durationS: 1.5,
    });
  });

  it('falls back to the longest stream duration and leaves unknown values out', () => {
    const meta = audioMeta(
      report({
        streams: [
          { codec_type: 'audio', sample_rate: '0', duration: '2.0' },
          { codec_type: 'audio', duration: '2.5' },
        ],
        format: { format_name: 'ogg', duration: 'N/A' },
      }),
    );
    expect(meta).toEqual({ probe: 'ffprobe', container: 'ogg', durationS: 2.5 });
  });

  it('fails without an audio stream', () => {
    expect(audioMeta(report({ streams: [{ codec_type: 'video' }] }))).toEqual({
      probe: 'failed',
      reason: 'no audio stream',
    });
  });
});

describe('videoMeta', () => {
  it('skips cover art, and takes the nominal rate when the average is unknown', () => {
    const meta = videoMeta(
      report({
        streams: [
          {
            codec_type: 'video',
            codec_name: 'png',
            width: 600,
            height: 600,
            disposition: { attached_pic: 1 },
          },
          {
            codec_type: 'video',
            codec_name: 'h264',
            width: 1920,
            height: 1080,
            avg_frame_rate: '0/0',
            r_frame_rate: '30000/1001',
          },
        ],
        format: { format_name: 'matroska,webm', duration: '10.0' },
      }),
    );
    expect(meta).toEqual({
      probe: 'ffprobe',
      container: 'matroska,webm',
      videoCodec: 'h264',
      width: 1920,
      height: 1080,
      fps: 29.97,
      durationS: 10,
      hasAudio: false,
      audio: null,
    });
  });

  it('fails when the only picture is cover art, saying that it holds sound', () => {
    const meta = videoMeta(
      report({
        streams: [
          { codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } },
          { codec_type: 'audio', codec_name: 'aac' },
        ],
      }),
    );
    expect(meta).toEqual({ probe: 'failed', reason: 'no video stream (the content holds sound only)' });
  });
});
