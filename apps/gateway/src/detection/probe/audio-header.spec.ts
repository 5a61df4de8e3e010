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

/** An AIFF of 16-bit mono at 8 kHz whose COMM chunk claims `frames`, holding `dataBytes` of sound. */
function aiff(frames: number, dataBytes: number) {
  const comm = Buffer.alloc(8 + 18);
  comm.write('COMM', 0, 'latin1');
  comm.writeUInt32BE(18, 4);
  comm.writeInt16BE(1, 8);
  comm.writeUInt32BE(frames, 10);
  comm.writeInt16BE(16, 14);
  comm.writeUInt16BE(16383 + 12, 16); // 8000 = 0.FA… × 2^13, as an 80-bit extended float
  comm.writeUInt32BE(0xfa000000, 18);
  const ssnd = Buffer.alloc(16);
  ssnd.write('SSND', 0, 'latin1');
  ssnd.writeUInt32BE(8 + dataBytes, 4);
  const form = Buffer.alloc(12);
  form.write('FORM', 0, 'latin1');
  form.writeUInt32BE(4 + comm.length + ssnd.length + dataBytes, 4);
  form.write('AIFF', 8, 'latin1');
  return Buffer.concat([form, comm, ssnd, Buffer.alloc(dataBytes)]);
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

  // Item 2 of issue 12: a declared duration is bounded by the bytes that are there.
  it('takes a PCM WAV duration from its layout, not from a declared byte rate', () => {
    const content = wav({ tag: 1, bits: 16, dataSize: 192_000, dataBytes: 192_000 });
    content.writeUInt32LE(1, 28); // byte rate 1: 192,000 s of sound in 192 KB
    expect(readAudioHeader(content, content.length)).toMatchObject({ codec: 'pcm_s16le', durationS: 1 });
  });

  it('reads an AIFF whose frames fit, and fails one that claims more frames than its bytes hold', () => {
    const fits = aiff(8000, 16_000);
    expect(readAudioHeader(fits, fits.length)).toEqual({
      probe: 'header',
      container: 'aiff',
      codec: 'pcm_s16be',
      sampleRateHz: 8000,
      channels: 1,
      durationS: 1,
    });
    const lies = aiff(0xffffffff, 16_000);
    expect(readAudioHeader(lies, lies.length)).toEqual({
      probe: 'failed',
      reason: 'AIFF: 4294967295 frames need 8589934590 bytes of sound, more than the 16000 there are',
    });
  });

  it('says nothing more than "header" for formats it does not parse', () => {
    const content = fixture('audio/fixture.mp3');
    expect(readAudioHeader(content, content.length)).toEqual({ probe: 'header' });
  });
});
