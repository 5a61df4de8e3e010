/** The parts of an EDF/EDF+ header that detection reports. */
export interface EdfHeader {
  format: 'edf' | 'edf+';
  /** Signals excluding EDF+ annotation channels. */
  channels: number;
  labels: string[];
  annotationChannel: boolean;
  recordDurationS: number;
  /** -1 while a recording is still being written (the spec allows it). */
  records: number;
  /** Shared by every signal channel, else undefined. */
  sampleRateHz?: number;
  durationS?: number;
}

const FIXED_HEADER_BYTES = 256;
const BYTES_PER_SIGNAL = 256;
const ANNOTATION_LABEL = 'EDF Annotations';

/** Offsets and widths of the fixed header (EDF spec, "header record"). */
const FIELD = {
  version: [0, 8],
  startDate: [168, 8],
  headerBytes: [184, 8],
  reserved: [192, 44],
  records: [236, 8],
  recordDuration: [244, 8],
  signalCount: [252, 4],
} as const satisfies Record<string, readonly [number, number]>;

/** Per-signal fields come in blocks of `ns` values, in this order, with these widths. */
const SIGNAL_FIELD_WIDTHS = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32] as const;
const LABEL_FIELD = 0;
const SAMPLES_PER_RECORD_FIELD = 8;

/** Parses the EDF header at the start of `sample`; undefined when it is not one. */
export function readEdfHeader(sample: Buffer): EdfHeader | undefined {
  if (sample.length < FIXED_HEADER_BYTES) return undefined;
  const field = ([offset, width]: readonly [number, number]) =>
    sample.toString('latin1', offset, offset + width).trim();
  if (sample.toString('latin1', 0, 8) !== '0       ') return undefined;
  if (!/^\d\d\.\d\d\.\d\d$/.test(field(FIELD.startDate))) return undefined;
  const signalCount = integerField(field(FIELD.signalCount));
  const headerBytes = integerField(field(FIELD.headerBytes));
  const records = integerField(field(FIELD.records));
  const recordDurationS = Number(field(FIELD.recordDuration));
  if (signalCount === undefined || signalCount < 1 || records === undefined) return undefined;
  if (headerBytes !== FIXED_HEADER_BYTES + signalCount * BYTES_PER_SIGNAL) return undefined;
  if (!Number.isFinite(recordDurationS) || recordDurationS < 0) return undefined;

  const labels = signalFieldValues(sample, signalCount, LABEL_FIELD);
  const samplesPerRecord = signalFieldValues(sample, signalCount, SAMPLES_PER_RECORD_FIELD).map(integerField);
  const isSignal = labels.map((label) => label !== ANNOTATION_LABEL);
  const sampleRateHz = sharedSampleRate(
    samplesPerRecord.filter((_, i) => isSignal[i]),
    recordDurationS,
  );
  return {
    format: field(FIELD.reserved).startsWith('EDF+') ? 'edf+' : 'edf',
    channels: isSignal.filter(Boolean).length,
    labels: labels.filter((_, i) => isSignal[i]),
    annotationChannel: isSignal.includes(false),
    recordDurationS,
    records,
    ...(sampleRateHz !== undefined ? { sampleRateHz } : {}),
    ...(records >= 0 ? { durationS: records * recordDurationS } : {}),
  };
}

/** The `index`-th per-signal field for every signal ('' when the header is cut by the sample). */
function signalFieldValues(sample: Buffer, signalCount: number, index: number): string[] {
  const offset =
    FIXED_HEADER_BYTES +
    SIGNAL_FIELD_WIDTHS.slice(0, index).reduce((sum, width) => sum + width * signalCount, 0);
  const width = SIGNAL_FIELD_WIDTHS[index];
  return Array.from({ length: signalCount }, (_, i) => {
    const start = offset + i * width;
    return sample
      .toString('latin1', Math.min(start, sample.length), Math.min(start + width, sample.length))
      .trim();
  });
}

function sharedSampleRate(
  samplesPerRecord: (number | undefined)[],
  recordDurationS: number,
): number | undefined {
  const first = samplesPerRecord[0];
  if (first === undefined || recordDurationS <= 0) return undefined;
  if (!samplesPerRecord.every((n) => n === first)) return undefined;
  return first / recordDurationS;
}

function integerField(text: string): number | undefined {
  return /^-?\d+$/.test(text) ? Number(text) : undefined;
}
