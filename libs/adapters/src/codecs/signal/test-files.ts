/** Builders of small EDF and WAV files for the codec's tests (not exported from the package). */

/** One signal of a synthetic EDF file. */
export interface EdfTestSignal {
  label: string;
  unit?: string;
  physicalMin?: number | string;
  physicalMax?: number | string;
  digitalMin?: number | string;
  digitalMax?: number | string;
  samplesPerRecord: number;
  /** Digital samples, records * samplesPerRecord of them (annotation channels: zeros if absent). */
  digital?: number[];
}

/** An EDF file built field by field, its fields given as numbers or as the exact text to write. */
export function edfFile(options: {
  signals: EdfTestSignal[];
  records: number;
  recordDurationS?: number | string;
  declaredRecords?: number | string;
  edfPlus?: boolean;
}): Buffer {
  const { signals, records } = options;
  const ns = signals.length;
  const field = (value: string | number, width: number) => String(value).padEnd(width, ' ').slice(0, width);
  const fixed =
    field('0', 8) +
    field('X X X X', 80) +
    field('Startdate 02-MAR-2021 X X test', 80) +
    field('02.03.21', 8) +
    field('13.14.15', 8) +
    field(256 * (ns + 1), 8) +
    field(options.edfPlus ? 'EDF+C' : '', 44) +
    field(options.declaredRecords ?? records, 8) +
    field(options.recordDurationS ?? 1, 8) +
    field(ns, 4);
  const perSignal = (pick: (s: EdfTestSignal) => string | number, width: number) =>
    signals.map((s) => field(pick(s), width)).join('');
  const header =
    fixed +
    perSignal((s) => s.label, 16) +
    perSignal(() => '', 80) +
    perSignal((s) => s.unit ?? '', 8) +
    perSignal((s) => s.physicalMin ?? -100, 8) +
    perSignal((s) => s.physicalMax ?? 100, 8) +
    perSignal((s) => s.digitalMin ?? -32768, 8) +
    perSignal((s) => s.digitalMax ?? 32767, 8) +
    perSignal(() => '', 80) +
    perSignal((s) => s.samplesPerRecord, 8) +
    perSignal(() => '', 32);
  const recordBytes = signals.reduce((sum, s) => sum + 2 * s.samplesPerRecord, 0);
  const data = Buffer.alloc(records * recordBytes);
  let at = 0;
  for (let r = 0; r < records; r++) {
    for (const s of signals) {
      for (let i = 0; i < s.samplesPerRecord; i++) {
        at = data.writeInt16LE(s.digital?.[r * s.samplesPerRecord + i] ?? 0, at);
      }
    }
  }
  return Buffer.concat([Buffer.from(header, 'latin1'), data]);
}

/** A WAV file: a `fmt ` chunk from the fields given and a `data` chunk, plus any extra chunks first. */
export function wavFile(options: {
  formatTag: number;
  channels: number;
  sampleRateHz: number;
  bitsPerSample: number;
  blockAlign?: number;
  /** For WAVE_FORMAT_EXTENSIBLE (0xfffe): the subformat code and valid bits. */
  extensible?: { subFormat: number; validBits: number };
  data: Buffer;
  /** Declared size of the data chunk, when it should lie. */
  dataSize?: number;
  before?: Buffer[];
}): Buffer {
  const blockAlign = options.blockAlign ?? options.channels * Math.ceil(options.bitsPerSample / 8);
  const fmt = Buffer.alloc(options.extensible ? 40 : 16);
  fmt.writeUInt16LE(options.formatTag, 0);
  fmt.writeUInt16LE(options.channels, 2);
  fmt.writeUInt32LE(options.sampleRateHz, 4);
  fmt.writeUInt32LE(options.sampleRateHz * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(options.bitsPerSample, 14);
  if (options.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(options.extensible.validBits, 18);
    fmt.writeUInt32LE(0, 20);
    fmt.writeUInt32LE(options.extensible.subFormat, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  }
  const chunks = [
    ...(options.before ?? []),
    chunk('fmt ', fmt),
    chunkHeader('data', options.dataSize ?? options.data.length),
    options.data,
  ];
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  return Buffer.concat([chunkHeader('RIFF', body.length), body]);
}

/** A RIFF chunk with its pad byte. */
export function chunk(id: string, body: Buffer): Buffer {
  return Buffer.concat([chunkHeader(id, body.length), body, Buffer.alloc(body.length % 2)]);
}

function chunkHeader(id: string, size: number): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(size, 4);
  return header;
}

/** Where one field of a header is: its name, byte offset and width. */
export interface HeaderField {
  name: string;
  offset: number;
  width: number;
}

/** The per-signal blocks of an EDF header, in order, with their widths (EDF spec). */
const EDF_SIGNAL_BLOCKS: [string, number, boolean][] = [
  ['label', 16, false],
  ['transducer', 80, false],
  ['unit', 8, false],
  ['physical minimum', 8, true],
  ['physical maximum', 8, true],
  ['digital minimum', 8, true],
  ['digital maximum', 8, true],
  ['prefilter', 80, false],
  ['samples per record', 8, true],
  ['reserved', 32, false],
];

/** Every field of the header of an EDF file of `signals` signals; `numeric` marks those holding numbers. */
export function edfHeaderFields(signals: number): (HeaderField & { numeric: boolean })[] {
  const fields = [
    { name: 'version', offset: 0, width: 8, numeric: false },
    { name: 'patient', offset: 8, width: 80, numeric: false },
    { name: 'recording', offset: 88, width: 80, numeric: false },
    { name: 'start date', offset: 168, width: 8, numeric: false },
    { name: 'start time', offset: 176, width: 8, numeric: false },
    { name: 'header bytes', offset: 184, width: 8, numeric: true },
    { name: 'reserved', offset: 192, width: 44, numeric: false },
    { name: 'data records', offset: 236, width: 8, numeric: true },
    { name: 'record duration', offset: 244, width: 8, numeric: true },
    { name: 'number of signals', offset: 252, width: 4, numeric: true },
  ];
  let offset = 256;
  for (const [name, width, numeric] of EDF_SIGNAL_BLOCKS) {
    for (let i = 0; i < signals; i++) {
      fields.push({ name: `${name} of signal ${i + 1}`, offset: offset + i * width, width, numeric });
    }
    offset += width * signals;
  }
  return fields;
}

/** The numeric fields of a WAV file from `wavFile` without extra chunks (16-byte fmt chunk). */
export const WAV_NUMERIC_FIELDS: (HeaderField & { width: 2 | 4 })[] = [
  { name: 'RIFF size', offset: 4, width: 4 },
  { name: 'fmt size', offset: 16, width: 4 },
  { name: 'format tag', offset: 20, width: 2 },
  { name: 'channels', offset: 22, width: 2 },
  { name: 'sample rate', offset: 24, width: 4 },
  { name: 'byte rate', offset: 28, width: 4 },
  { name: 'block align', offset: 32, width: 2 },
  { name: 'bits per sample', offset: 34, width: 2 },
  { name: 'data size', offset: 40, width: 4 },
];

/** A copy of `file` with `text` over the field, padded with spaces and cut to its width (as a header holds it). */
export function withTextField(file: Buffer, field: HeaderField, text: string): Buffer {
  const copy = Buffer.from(file);
  copy.write(text.padEnd(field.width, ' ').slice(0, field.width), field.offset, 'latin1');
  return copy;
}

/** A copy of `file` with the little-endian unsigned `value` in the field. */
export function withBinaryField(file: Buffer, field: HeaderField & { width: 2 | 4 }, value: number): Buffer {
  const copy = Buffer.from(file);
  if (field.width === 2) copy.writeUInt16LE(value, field.offset);
  else copy.writeUInt32LE(value, field.offset);
  return copy;
}
