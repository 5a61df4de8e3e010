import { AdapterError } from '../../sdk/adapter-error';
import { edfStartTime } from './edf-start-time';

/** One signal as the EDF header declares it. */
export interface EdfSignalHeader {
  /** The label, trimmed. */
  label: string;
  /** The physical dimension (unit), trimmed; undefined when blank. */
  unit?: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  samplesPerRecord: number;
  /** An EDF+ "EDF Annotations" channel: text, not samples. */
  annotation: boolean;
}

/** The parts of an EDF/EDF+ header that reading and probing need, checked against the file size. */
export interface EdfHeader {
  format: 'edf' | 'edf+';
  headerBytes: number;
  /**
   * Data records: as declared, or worked out from the file size when the header says -1;
   * undefined when it says -1 and the size is unknown.
   */
  records?: number;
  recordDurationS: number;
  /** Bytes of one data record: every signal's samples, 2 bytes each. */
  recordBytes: number;
  /** Every signal in header order, annotation channels included. */
  signals: EdfSignalHeader[];
  startTime?: string;
}

const FIXED_HEADER_BYTES = 256;
const BYTES_PER_SIGNAL = 256;
const MAGIC = '0       ';
const ANNOTATION_LABEL = 'EDF Annotations';
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Offsets and widths of the fixed header (EDF spec, "header record"). */
const FIELD = {
  recording: [88, 80],
  startDate: [168, 8],
  startTime: [176, 8],
  headerBytes: [184, 8],
  reserved: [192, 44],
  records: [236, 8],
  recordDuration: [244, 8],
  signalCount: [252, 4],
} as const satisfies Record<string, readonly [number, number]>;

/** Per-signal fields come in blocks of `ns` values, in this order, with these widths. */
const SIGNAL_FIELDS = {
  label: 16,
  transducer: 80,
  unit: 8,
  physicalMin: 8,
  physicalMax: 8,
  digitalMin: 8,
  digitalMax: 8,
  prefilter: 80,
  samplesPerRecord: 8,
  reserved: 32,
} as const;
type SignalField = keyof typeof SIGNAL_FIELDS;

/** Whether the bytes open with the EDF version field ("0" and seven spaces). */
export function isEdfMagic(data: Buffer): boolean {
  return data.length >= FIXED_HEADER_BYTES && data.toString('latin1', 0, 8) === MAGIC;
}

/**
 * Parses and checks an EDF/EDF+ header. `head` holds at least the whole header (the start of the
 * file); `totalBytes` is the size of the whole file, against which the data records are checked,
 * or undefined when unknown (the declared counts are then taken as they are, within what any file
 * could hold). Anything inconsistent is bad input (`unprocessable_input`). No work or allocation
 * depends on the declared numbers beyond the header itself (at most 9,999 signals).
 */
export function readEdfHeader(head: Buffer, totalBytes: number): EdfHeader & { records: number };
export function readEdfHeader(head: Buffer, totalBytes: number | undefined): EdfHeader;
export function readEdfHeader(head: Buffer, totalBytes: number | undefined): EdfHeader {
  if (head.length > 0 && head[0] === 0xff) {
    throw AdapterError.unprocessable('BDF (24-bit BioSemi) files are not supported; send EDF or EDF+');
  }
  if (!isEdfMagic(head)) throw AdapterError.unprocessable('not an EDF file: no EDF header');
  const field = ([offset, width]: readonly [number, number]) =>
    head.toString('latin1', offset, offset + width);

  const signalCount = integer(field(FIELD.signalCount), 'number of signals');
  if (signalCount < 1) throw bad(`the number of signals is ${signalCount}`);
  const headerBytes = FIXED_HEADER_BYTES + signalCount * BYTES_PER_SIGNAL;
  const declaredHeaderBytes = integer(field(FIELD.headerBytes), 'header size');
  if (declaredHeaderBytes !== headerBytes) {
    throw bad(
      `the header size is ${declaredHeaderBytes} bytes, but ${signalCount} signals need ${headerBytes}`,
    );
  }
  if (totalBytes !== undefined && headerBytes > totalBytes) {
    throw AdapterError.unprocessable(
      `truncated EDF: the header needs ${headerBytes} bytes, the file has ${totalBytes}`,
    );
  }
  if (headerBytes > head.length) {
    throw AdapterError.unprocessable(
      `the EDF header needs ${headerBytes} bytes, only the first ${head.length} were given`,
    );
  }

  const recordDurationS = decimal(field(FIELD.recordDuration), 'data record duration');
  if (!(recordDurationS > 0)) throw bad(`the data record duration is ${recordDurationS} s`);
  const signals = readSignalHeaders(head, signalCount);
  if (signals.every((signal) => signal.annotation)) {
    throw AdapterError.unprocessable('the EDF file holds only annotations, no signal channels');
  }
  signals.forEach((signal, i) => {
    // A tiny duration ("1e-320") would make the rate infinite.
    if (!signal.annotation && !Number.isFinite(signal.samplesPerRecord / recordDurationS)) {
      throw bad(
        `signal ${i + 1} has ${signal.samplesPerRecord} samples per ${recordDurationS} s record: no finite rate`,
      );
    }
  });
  const recordBytes = signals.reduce((sum, signal) => sum + 2 * signal.samplesPerRecord, 0);
  const declaredRecords = integer(field(FIELD.records), 'number of data records');
  if (declaredRecords < -1) throw bad(`the number of data records is ${declaredRecords}`);
  const records = dataRecords(declaredRecords, recordBytes, headerBytes, totalBytes);
  if (records !== undefined && !Number.isFinite(records * recordDurationS)) {
    throw bad(`${records} data records of ${recordDurationS} s last longer than any recording`);
  }

  const startTime = edfStartTime(field(FIELD.startDate), field(FIELD.startTime), field(FIELD.recording));
  return {
    format: field(FIELD.reserved).startsWith('EDF+') ? 'edf+' : 'edf',
    headerBytes,
    ...(records === undefined ? {} : { records }),
    recordDurationS,
    recordBytes,
    signals,
    ...(startTime === undefined ? {} : { startTime }),
  };
}

/**
 * The data records the file holds: the declared count, checked against the bytes after the header,
 * or, for -1 ("still being recorded"), as many whole records as those bytes hold.
 */
function dataRecords(
  declared: number,
  recordBytes: number,
  headerBytes: number,
  totalBytes: number | undefined,
): number | undefined {
  if (totalBytes === undefined) {
    if (declared === -1) return undefined;
    if (headerBytes + declared * recordBytes > Number.MAX_SAFE_INTEGER) {
      throw bad(`${declared} data records of ${recordBytes} bytes are more than any file holds`);
    }
    return declared;
  }
  const dataBytes = totalBytes - headerBytes;
  const records = declared === -1 ? Math.floor(dataBytes / recordBytes) : declared;
  if (records * recordBytes > dataBytes) {
    throw AdapterError.unprocessable(
      `truncated EDF: the header promises ${records} data records of ${recordBytes} bytes ` +
        `(${records * recordBytes} bytes), but ${dataBytes} bytes follow the header`,
    );
  }
  return records;
}

/** Sample rate of one signal: samples per record over the record duration, without float noise. */
export function edfSampleRate(header: EdfHeader, signal: EdfSignalHeader): number {
  return Number((signal.samplesPerRecord / header.recordDurationS).toPrecision(12));
}

function readSignalHeaders(head: Buffer, count: number): EdfSignalHeader[] {
  const offsets = new Map<SignalField, number>();
  let offset = FIXED_HEADER_BYTES;
  for (const [name, width] of Object.entries(SIGNAL_FIELDS) as [SignalField, number][]) {
    offsets.set(name, offset);
    offset += width * count;
  }
  const value = (name: SignalField, i: number) => {
    const start = (offsets.get(name) ?? 0) + i * SIGNAL_FIELDS[name];
    return head.toString('latin1', start, start + SIGNAL_FIELDS[name]).trim();
  };

  return Array.from({ length: count }, (_unused, i): EdfSignalHeader => {
    const label = value('label', i);
    const unit = value('unit', i);
    const what = (name: string) => `${name} of signal ${i + 1} ("${label}")`;
    const samplesPerRecord = integer(value('samplesPerRecord', i), what('samples per record'));
    if (samplesPerRecord < 1) throw bad(`the ${what('samples per record')} is ${samplesPerRecord}`);
    const annotation = label === ANNOTATION_LABEL;
    const numbers = {
      physicalMin: decimal(value('physicalMin', i), what('physical minimum')),
      physicalMax: decimal(value('physicalMax', i), what('physical maximum')),
      digitalMin: integer(value('digitalMin', i), what('digital minimum')),
      digitalMax: integer(value('digitalMax', i), what('digital maximum')),
    };
    if (!annotation) checkScaling(numbers, what);
    return { label, ...(unit === '' ? {} : { unit }), ...numbers, samplesPerRecord, annotation };
  });
}

function checkScaling(
  n: { physicalMin: number; physicalMax: number; digitalMin: number; digitalMax: number },
  what: (name: string) => string,
): void {
  if (n.digitalMin < -32768 || n.digitalMax > 32767 || n.digitalMax <= n.digitalMin) {
    throw bad(`the ${what('digital range')} is ${n.digitalMin}..${n.digitalMax}`);
  }
  if (n.physicalMax === n.physicalMin) {
    throw bad(`the ${what('physical range')} is empty (${n.physicalMin}..${n.physicalMax})`);
  }
}

function integer(text: string, what: string): number {
  const trimmed = text.trim();
  if (!INTEGER.test(trimmed)) throw bad(`the ${what} "${trimmed}" is not an integer`);
  return Number(trimmed);
}

function decimal(text: string, what: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!DECIMAL.test(trimmed) || !Number.isFinite(value)) {
    throw bad(`the ${what} "${trimmed}" is not a number`);
  }
  return value;
}

function bad(problem: string): AdapterError {
  return AdapterError.unprocessable(`bad EDF header: ${problem}`);
}
