import { Decimator, type SignalData, type SignalHints } from './signal-data';

/** Bytes read from the file at a time: large files are never held whole. */
const SLICE_BYTES = 4 << 20;

/** What the parsers read from: a Blob, or bytes already in memory (tests). */
export interface ByteSource {
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length)).trim();

/**
 * An EDF or EDF+ recording (https://www.edfplus.info/specs/edf.html): each signal's samples in
 * physical units, EDF+ annotation signals left out; channels sampled slower than the fastest are
 * held between their samples so that all share one time axis.
 */
export async function parseEdf(file: ByteSource, onProgress?: (bytes: number) => void): Promise<SignalData> {
  const fixed = new Uint8Array(await file.slice(0, 256).arrayBuffer());
  if (fixed.length < 256 || ascii(fixed, 0, 8) !== '0')
    throw new Error('not an EDF file (its version is not 0)');
  const headerBytes = Number(ascii(fixed, 184, 8));
  let records = Number(ascii(fixed, 236, 8));
  const recordSeconds = Number(ascii(fixed, 244, 8));
  const ns = Number(ascii(fixed, 252, 4));
  if (!(ns > 0) || headerBytes !== 256 * (ns + 1)) throw new Error('EDF header is inconsistent');
  const head = new Uint8Array(await file.slice(256, headerBytes).arrayBuffer());
  const field = (offset: number, width: number, i: number) => ascii(head, offset + width * i, width);
  let offset = 0;
  const column = (width: number) => {
    const values = Array.from({ length: ns }, (_v, i) => field(offset, width, i));
    offset += width * ns;
    return values;
  };
  const labels = column(16);
  column(80); // transducer
  const units = column(8);
  const physMin = column(8).map(Number);
  const physMax = column(8).map(Number);
  const digMin = column(8).map(Number);
  const digMax = column(8).map(Number);
  column(80); // prefiltering
  const perRecord = column(8).map(Number);
  if (perRecord.some((n) => !(n >= 0))) throw new Error('EDF header has a bad sample count');
  const recordBytes = perRecord.reduce((a, n) => a + 2 * n, 0);
  if (!(recordBytes > 0)) throw new Error('EDF records are empty');
  const available = Math.floor((file.size - headerBytes) / recordBytes);
  if (!(records >= 0) || records > available) records = available;
  const shown = labels.map((_l, i) => i).filter((i) => labels[i] !== 'EDF Annotations' && perRecord[i] > 0);
  if (shown.length === 0) throw new Error('EDF file has no signal to plot');
  const fastest = Math.max(...shown.map((i) => perRecord[i]));
  const step = (recordSeconds > 0 ? recordSeconds : 1) / fastest;
  const gain = shown.map((i) => (physMax[i] - physMin[i]) / (digMax[i] - digMin[i] || 1));
  const starts: number[] = [];
  let at = 0;
  for (let i = 0; i < ns; i++) {
    starts.push(at);
    at += 2 * perRecord[i];
  }
  const decimator = new Decimator(shown.length);
  const row = new Float64Array(shown.length);
  const perSlice = Math.max(1, Math.floor(SLICE_BYTES / recordBytes));
  for (let r0 = 0; r0 < records; r0 += perSlice) {
    const r1 = Math.min(records, r0 + perSlice);
    const buf = await file
      .slice(headerBytes + r0 * recordBytes, headerBytes + r1 * recordBytes)
      .arrayBuffer();
    const view = new DataView(buf);
    for (let r = r0; r < r1; r++) {
      const base = (r - r0) * recordBytes;
      for (let t = 0; t < fastest; t++) {
        for (let c = 0; c < shown.length; c++) {
          const i = shown[c];
          const k = Math.floor((t * perRecord[i]) / fastest);
          const digital = view.getInt16(base + starts[i] + 2 * k, true);
          row[c] = (digital - digMin[i]) * gain[c] + physMin[i];
        }
        decimator.push((r * fastest + t) * step, row);
      }
    }
    onProgress?.(headerBytes + r1 * recordBytes);
  }
  const { x, values, decimation } = decimator.finish();
  return {
    x,
    xLabel: 'time (s)',
    absoluteTime: false,
    channels: shown.map((i, c) => ({ name: labels[i], unit: units[i] || undefined, values: values[c] })),
    samples: decimator.samples,
    decimation,
    sampleRateHz: 1 / step,
  };
}

/**
 * A WAV file read as a signal (PCM 8/16/24/32-bit or 32/64-bit float, any channel count, any
 * rate, even 1 Hz): one channel per WAV channel, in the file's own sample values.
 */
export async function parseWav(
  file: ByteSource,
  hints: SignalHints = {},
  onProgress?: (bytes: number) => void,
): Promise<SignalData> {
  const riff = new DataView(await file.slice(0, 12).arrayBuffer());
  const tag = (v: DataView, at: number) =>
    String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));
  if (riff.byteLength < 12 || tag(riff, 0) !== 'RIFF' || tag(riff, 8) !== 'WAVE')
    throw new Error('not a WAV file');
  let pos = 12;
  let format: { code: number; channels: number; rate: number; bits: number } | undefined;
  let data: { start: number; size: number } | undefined;
  while (pos + 8 <= file.size && !data) {
    const head = new DataView(await file.slice(pos, pos + 8).arrayBuffer());
    const id = tag(head, 0);
    const size = head.getUint32(4, true);
    if (id === 'fmt ') {
      const fmt = new DataView(await file.slice(pos + 8, pos + 8 + Math.min(size, 40)).arrayBuffer());
      let code = fmt.getUint16(0, true);
      if (code === 0xfffe && fmt.byteLength >= 26) code = fmt.getUint16(24, true);
      format = {
        code,
        channels: fmt.getUint16(2, true),
        rate: fmt.getUint32(4, true),
        bits: fmt.getUint16(14, true),
      };
    } else if (id === 'data') {
      data = { start: pos + 8, size: Math.min(size, file.size - pos - 8) };
    }
    pos += 8 + size + (size % 2);
  }
  if (!format || !data) throw new Error('WAV file without its fmt or data chunk');
  const { code, channels, rate, bits } = format;
  // Each sample sits in whole bytes (12-bit samples in 16, left-justified): read the container.
  const bytes = Math.ceil(bits / 8);
  const container = sampleReader(code, bytes * 8);
  const shift = 2 ** (bytes * 8 - bits);
  const read =
    container && shift > 1 ? (v: DataView, at: number) => Math.trunc(container(v, at) / shift) : container;
  if (!read || channels < 1 || !(rate > 0))
    throw new Error(`WAV sample format ${code}/${bits} bits is not plotted`);
  const frame = bytes * channels;
  const frames = Math.floor(data.size / frame);
  const decimator = new Decimator(channels);
  const row = new Float64Array(channels);
  const perSlice = Math.max(1, Math.floor(SLICE_BYTES / frame));
  for (let f0 = 0; f0 < frames; f0 += perSlice) {
    const f1 = Math.min(frames, f0 + perSlice);
    const view = new DataView(
      await file.slice(data.start + f0 * frame, data.start + f1 * frame).arrayBuffer(),
    );
    for (let f = 0; f < f1 - f0; f++) {
      for (let c = 0; c < channels; c++) row[c] = read(view, f * frame + c * bytes);
      decimator.push((f0 + f) / rate, row);
    }
    onProgress?.(data.start + f1 * frame);
  }
  const { x, values, decimation } = decimator.finish();
  const names = hints.channelNames?.length === channels ? hints.channelNames : undefined;
  return {
    x,
    xLabel: 'time (s)',
    absoluteTime: false,
    channels: values.map((v, c) => ({ name: names?.[c] ?? `channel ${c + 1}`, values: v })),
    samples: decimator.samples,
    decimation,
    sampleRateHz: rate,
  };
}

function sampleReader(code: number, bits: number): ((v: DataView, at: number) => number) | undefined {
  if (code === 1 && bits === 8) return (v, at) => v.getUint8(at) - 128;
  if (code === 1 && bits === 16) return (v, at) => v.getInt16(at, true);
  if (code === 1 && bits === 24)
    return (v, at) => (v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getInt8(at + 2) << 16)) as number;
  if (code === 1 && bits === 32) return (v, at) => v.getInt32(at, true);
  if (code === 3 && bits === 32) return (v, at) => v.getFloat32(at, true);
  if (code === 3 && bits === 64) return (v, at) => v.getFloat64(at, true);
  return undefined;
}
