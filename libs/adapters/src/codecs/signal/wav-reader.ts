import type { InputLimits } from '../../sdk/input-limits';
import type { Signal } from './signal';
import { checkSignalValues } from './signal-limits';
import { readWavLayout, type WavFormat } from './wav-header';

/**
 * Reads a WAV file as a signal: channels `ch1..chN` at the file's sample rate. Values are the
 * numbers stored, not scaled to [-1, 1]: integer PCM samples are the signed integer of their
 * container (12-bit samples left-justified in 16 bits read as those 16 bits, as scipy and WFDB
 * read them), 8-bit PCM is re-centred from its unsigned offset form (stored value − 128), and
 * float samples are taken as they are. 32-bit integers keep float32 precision (24 bits).
 * The data chunk is checked against the file's size (422) and its samples against
 * LIMIT_SIGNAL_VALUES (413) before anything is allocated.
 */
export function readWavSignal(data: Buffer, limits: InputLimits): Signal {
  const { format, dataOffset, frames } = readWavLayout(data, data.length);
  checkSignalValues(limits, frames * format.channels);
  const read = sampleReader(format);
  const channels = Array.from({ length: format.channels }, (_unused, c) => {
    // frames * blockAlign fits in the data chunk, which readWavLayout checked against the file.
    const values = new Float32Array(frames);
    for (let f = 0, at = dataOffset + c * format.bytesPerSample; f < frames; f++, at += format.blockAlign) {
      values[f] = read(data, at);
    }
    return { name: `ch${c + 1}`, values };
  });
  return { sampleRateHz: format.sampleRateHz, channels };
}

function sampleReader(format: WavFormat): (data: Buffer, at: number) => number {
  if (format.encoding === 'float') {
    return format.bytesPerSample === 4 ? (d, at) => d.readFloatLE(at) : (d, at) => d.readDoubleLE(at);
  }
  switch (format.bytesPerSample) {
    case 1:
      return (d, at) => d[at] - 128;
    case 2:
      return (d, at) => d.readInt16LE(at);
    case 3:
      return (d, at) => d.readIntLE(at, 3);
    default:
      return (d, at) => d.readInt32LE(at);
  }
}
