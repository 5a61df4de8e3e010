import { AdapterError } from '../../sdk/adapter-error';
import type { Signal } from './signal';
import { signalRows } from './signal-rows';

const WAVE_FORMAT_IEEE_FLOAT = 3;
const HEADER_BYTES = 58; // RIFF (12) + fmt (8 + 18) + fact (8 + 4) + data chunk header (8)
const MAX_CHUNK_BYTES = 0xffffffff;

/**
 * Writes a signal as a WAV file of 32-bit IEEE float samples (format 3), channels interleaved in
 * order, exactly as stored (no scaling). The WAV header holds a whole number of hertz: the rate
 * is rounded to the nearest integer and must be at least 1 Hz. Names and units are not kept.
 */
export function writeWavSignal(signal: Signal): Buffer {
  const { samples, sampleRateHz } = signalRows(signal, 'WAV');
  if (sampleRateHz === undefined) {
    throw AdapterError.unprocessable(
      'a WAV file needs a sample rate; the signal has none (give sampleRateHz)',
    );
  }
  const rate = Math.round(sampleRateHz);
  if (!(sampleRateHz >= 1) || rate > MAX_CHUNK_BYTES) {
    throw AdapterError.unprocessable(`a WAV file cannot hold a sample rate of ${sampleRateHz} Hz`);
  }
  const channels = signal.channels.length;
  const blockAlign = 4 * channels;
  const dataBytes = samples * blockAlign;
  if (
    blockAlign > 0xffff ||
    rate * blockAlign > MAX_CHUNK_BYTES ||
    HEADER_BYTES - 8 + dataBytes > MAX_CHUNK_BYTES
  ) {
    throw AdapterError.unprocessable(
      `${channels} channels of ${samples} samples at ${rate} Hz are too many for a WAV file`,
    );
  }

  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  let at = 0;
  const text = (value: string) => (at = out.write(value, at, 'latin1') + at);
  const u16 = (value: number) => (at = out.writeUInt16LE(value, at));
  const u32 = (value: number) => (at = out.writeUInt32LE(value, at));
  text('RIFF');
  u32(out.length - 8);
  text('WAVE');
  text('fmt ');
  u32(18);
  u16(WAVE_FORMAT_IEEE_FLOAT);
  u16(channels);
  u32(rate);
  u32(rate * blockAlign);
  u16(blockAlign);
  u16(32);
  u16(0); // cbSize: no extension
  text('fact');
  u32(4);
  u32(samples);
  text('data');
  u32(dataBytes);
  for (let i = 0; i < samples; i++) {
    for (const channel of signal.channels) at = out.writeFloatLE(channel.values[i], at);
  }
  return out;
}
