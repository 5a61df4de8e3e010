import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { readAudioHeader } from './audio-header';

/** A WAV header (fmt + data chunk header) followed by `dataBytes` of silence. */
function wav(options: {
  tag: number;
  bits: number;
  dataSize: number;
  dataBytes: number;
  extensibleTag?: number;
}) {
  const fmtBytes = options.extensibleTag === undefined ? 16 : 40;
  const header = Buffer.alloc(12 + 8 + fmtBytes + 8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(header.length - 8 + options.dataBytes, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(fmtBytes, 16);
  const channels = 2;
  const rate = 48_000;
  const blockAlign = (channels * options.bits) / 8;
  header.writeUInt16LE(options.tag, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(options.bits, 34);
  if (options.extensibleTag !== undefined) header.writeUInt16LE(options.extensibleTag, 20 + 24);
  header.write('data', 20 + fmtBytes, 'latin1');
  header.writeUInt32LE(options.dataSize, 24 + fmtBytes);
  return Buffer.concat([header, Buffer.alloc(options.dataBytes)]);
}

describe('readAudioHeader', () => {
  it('reads a 24-bit WAV', () => {
    const content = wav({ tag: 1, bits: 24, dataSize: 288_000, dataBytes: 288_000 });
    expect(readAudioHeader(content, content.length)).toEqual({
      probe: 'header',
      container: 'wav',
      codec: 'pcm_s24le',
      sampleRateHz: 48_000,
      channels: 2,
      durationS: 1,
    });
  });

  it('takes the sub-format of WAVE_FORMAT_EXTENSIBLE (float)', () => {
    const content = wav({ tag: 0xfffe, bits: 32, extensibleTag: 3, dataSize: 384_000, dataBytes: 384_000 });
    expect(readAudioHeader(content, content.length)).toMatchObject({ codec: 'pcm_f32le', durationS: 1 });
  });

  it('measures a streamed WAV (unknown data size) by the bytes that follow its header', () => {
    const content = wav({ tag: 1, bits: 16, dataSize: 0xffffffff, dataBytes: 96_000 });
    const sample = content.subarray(0, 1024);
    expect(readAudioHeader(sample, content.length)).toMatchObject({ codec: 'pcm_s16le', durationS: 0.5 });
  });

  it('gives no duration for an Ogg larger than the sample (its last page is not there)', () => {
    const content = fixture('audio/fixture.ogg');
    expect(readAudioHeader(content.subarray(0, 4096), content.length)).toEqual({
      probe: 'header',
      container: 'ogg',
      codec: 'vorbis',
      sampleRateHz: 44_100,
      channels: 2,
    });
  });

  it('says nothing more than "header" for formats it does not parse', () => {
    const content = fixture('audio/fixture.mp3');
    expect(readAudioHeader(content, content.length)).toEqual({ probe: 'header' });
  });
});
