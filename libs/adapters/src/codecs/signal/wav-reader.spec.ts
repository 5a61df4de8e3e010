import { describe, expect, it } from 'vitest';
import { fixture, manifest } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodeSignal } from './decode-signal';
import { chunk, wavFile } from './test-files';

const psg = fixture('signal/sleep-psg-1hz.wav');
const psgEntry = manifest().find((entry) => entry.path === 'signal/sleep-psg-1hz.wav');

function decodeError(data: Buffer): AdapterError {
  try {
    decodeSignal(data, 'wav');
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('unprocessable_input');
    return error as AdapterError;
  }
  throw new Error('expected decodeSignal to fail');
}

/** Interleaves per-channel integer samples into little-endian bytes of `bytes` each. */
function interleave(
  channels: number[][],
  write: (b: Buffer, value: number, at: number) => number,
  bytes: number,
) {
  const frames = channels[0].length;
  const out = Buffer.alloc(frames * channels.length * bytes);
  let at = 0;
  for (let f = 0; f < frames; f++) for (const channel of channels) at = write(out, channel[f], at);
  return out;
}

describe('decodeSignal: WAV fixture', () => {
  it('reads the sleep recording as 7 channels at 1 Hz for 79500 s, as the stored 16-bit values', () => {
    const signal = decodeSignal(psg, 'wav');
    expect(signal.sampleRateHz).toBe(psgEntry?.sample_rate_hz);
    expect(signal.channels).toHaveLength(psgEntry?.channels as number);
    expect(signal.channels.map((c) => c.name)).toEqual(['ch1', 'ch2', 'ch3', 'ch4', 'ch5', 'ch6', 'ch7']);
    for (const channel of signal.channels) expect(channel.values.length).toBe(psgEntry?.duration_s);
    // The values scipy.io.wavfile reads: 12-bit samples left-justified in 16-bit containers.
    expect(signal.channels.map((c) => c.values[0])).toEqual([-2880, 288, -96, -15424, 28416, 3056, 29408]);
    expect(signal.channels.map((c) => c.values[79499])).toEqual([-5536, 512, -864, 4000, 28656, 6416, 28704]);
  });
});

describe('decodeSignal: synthetic WAV', () => {
  const ints = [
    [0, 1, -1, 100],
    [5, -5, 7, -7],
    [-100, 50, 0, 3],
  ];

  it.each([
    ['8-bit', 8, (b: Buffer, v: number, at: number) => b.writeUInt8(v + 128, at), 1],
    ['16-bit', 16, (b: Buffer, v: number, at: number) => b.writeInt16LE(v, at), 2],
    ['24-bit', 24, (b: Buffer, v: number, at: number) => b.writeIntLE(v * 1000, at, 3), 3],
    ['32-bit', 32, (b: Buffer, v: number, at: number) => b.writeInt32LE(v * 1000, at), 4],
  ] as const)('reads %s PCM in three channels as integer values', (_name, bits, write, bytes) => {
    const scale = bytes > 2 ? 1000 : 1;
    const signal = decodeSignal(
      wavFile({
        formatTag: 1,
        channels: 3,
        sampleRateHz: 250,
        bitsPerSample: bits,
        data: interleave(ints, write, bytes),
      }),
      'wav',
    );
    expect(signal.sampleRateHz).toBe(250);
    expect(signal.channels.map((c) => [...c.values])).toEqual(ints.map((ch) => ch.map((v) => v * scale)));
  });

  it('reads 24-bit extremes with their sign', () => {
    const data = Buffer.alloc(6);
    data.writeIntLE(-8388608, 0, 3);
    data.writeIntLE(8388607, 3, 3);
    const signal = decodeSignal(
      wavFile({ formatTag: 1, channels: 1, sampleRateHz: 8, bitsPerSample: 24, data }),
      'wav',
    );
    expect([...signal.channels[0].values]).toEqual([-8388608, 8388607]);
  });

  it.each([
    ['32-bit', 32, (b: Buffer, v: number, at: number) => b.writeFloatLE(v, at), 4],
    ['64-bit', 64, (b: Buffer, v: number, at: number) => b.writeDoubleLE(v, at), 8],
  ] as const)('reads %s float as is', (_name, bits, write, bytes) => {
    const values = [
      [0.5, -1.25, 3e-5],
      [100.5, -2, 0],
    ];
    const signal = decodeSignal(
      wavFile({
        formatTag: 3,
        channels: 2,
        sampleRateHz: 1,
        bitsPerSample: bits,
        data: interleave(values, write, bytes),
      }),
      'wav',
    );
    expect(signal.channels.map((c) => [...c.values])).toEqual(values.map((ch) => ch.map(Math.fround)));
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM and float, and skips chunks before the data', () => {
    const pcm = wavFile({
      formatTag: 0xfffe,
      extensible: { subFormat: 1, validBits: 20 },
      channels: 1,
      sampleRateHz: 48000,
      bitsPerSample: 24,
      data: interleave([[16, -16]], (b, v, at) => b.writeIntLE(v, at, 3), 3),
      before: [chunk('LIST', Buffer.from('INFOodd')), chunk('JUNK', Buffer.alloc(10))],
    });
    expect([...decodeSignal(pcm, 'wav').channels[0].values]).toEqual([16, -16]);
    const float = wavFile({
      formatTag: 0xfffe,
      extensible: { subFormat: 3, validBits: 32 },
      channels: 1,
      sampleRateHz: 10,
      bitsPerSample: 32,
      data: interleave([[0.25]], (b, v, at) => b.writeFloatLE(v, at), 4),
    });
    expect([...decodeSignal(float, 'wav').channels[0].values]).toEqual([0.25]);
  });

  it('ignores a partial frame at the end of the data chunk', () => {
    const data = Buffer.from([1, 0, 2, 0, 3]);
    const signal = decodeSignal(
      wavFile({ formatTag: 1, channels: 1, sampleRateHz: 1, bitsPerSample: 16, data }),
      'wav',
    );
    expect([...signal.channels[0].values]).toEqual([1, 2]);
  });

  const pcm16 = (overrides: Partial<Parameters<typeof wavFile>[0]> = {}) =>
    wavFile({
      formatTag: 1,
      channels: 1,
      sampleRateHz: 100,
      bitsPerSample: 16,
      data: Buffer.alloc(8),
      ...overrides,
    });

  it.each([
    [
      'a data chunk past the end',
      pcm16({ dataSize: 1_000_000 }),
      /data chunk declares 1000000 bytes .* past the end/,
    ],
    ['A-law', pcm16({ formatTag: 6, bitsPerSample: 8 }), /unsupported WAV codec: A-law \(0x0006\)/],
    ['µ-law (extensible)', pcm16({ formatTag: 0xfffe, extensible: { subFormat: 7, validBits: 8 } }), /µ-law/],
    ['MP3', pcm16({ formatTag: 0x55 }), /unsupported WAV codec: MP3/],
    ['a frame size that does not fit', pcm16({ blockAlign: 3 }), /16-bit int samples in 3-byte frames/],
    ['16-bit float', pcm16({ formatTag: 3 }), /16-bit float samples/],
    ['no channels', pcm16({ channels: 0, blockAlign: 2 }), /no channels/],
    ['a zero sample rate', pcm16({ sampleRateHz: 0 }), /sample rate of 0/],
    ['no samples', pcm16({ data: Buffer.alloc(0) }), /no samples/],
    ['a RIFF file of another kind', Buffer.from('RIFF\x04\x00\x00\x00AVI '), /not a WAV file/],
    ['an RF64 file', Buffer.from('RF64\xff\xff\xff\xffWAVE', 'latin1'), /RF64/],
  ])('refuses %s', (_name, data, message) => {
    expect(decodeError(data).message).toMatch(message);
  });

  it('refuses a file with no fmt or no data chunk, and one cut inside the fmt chunk', () => {
    const noData = Buffer.concat([
      Buffer.from('RIFF\x18\x00\x00\x00WAVE', 'latin1'),
      chunk('fmt ', psg.subarray(20, 36)),
    ]);
    expect(decodeError(noData).message).toMatch(/no data chunk/);
    const noFmt = Buffer.concat([
      Buffer.from('RIFF\x0c\x00\x00\x00WAVE', 'latin1'),
      chunk('data', Buffer.alloc(4)),
    ]);
    expect(decodeError(noFmt).message).toMatch(/no fmt chunk/);
    expect(decodeError(psg.subarray(0, 30)).message).toMatch(/fmt chunk runs past the end/);
  });

  it('refuses the fixture cut short', () => {
    expect(decodeError(psg.subarray(0, 65536)).message).toMatch(/past the end of the 65536-byte file/);
  });
});
