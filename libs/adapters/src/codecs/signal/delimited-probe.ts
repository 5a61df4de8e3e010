import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { readDelimitedTable } from './delimited-reader';
import { probeOfSignal, roundDuration, type SignalProbe } from './signal-probe';
import { signalText } from './signal-text';

/** How much of a CSV/TSV a probe parses: plenty of rows for names, rate and bytes per row. */
const PROBE_WINDOW_BYTES = 4 * 1024;

/**
 * Probes CSV/TSV from its first bytes: channel names and units from the header, the sample rate
 * from a time column. With the whole file in the sample the count of samples is exact; otherwise
 * the sample is cut at its last line break and the count is estimated from the bytes per row
 * (left out when the file's size is unknown). A window of 4 KiB is parsed, or the first two lines
 * when they are longer (a wide header), never more than the sample.
 */
export function probeDelimited(
  sample: Buffer,
  totalBytes: number | undefined,
  format: 'csv' | 'tsv',
): SignalProbe {
  // Parse a bounded window whatever the sample size, so probing costs the same for any file.
  const whole = totalBytes !== undefined && sample.length >= totalBytes && totalBytes <= PROBE_WINDOW_BYTES;
  const end = whole ? sample.length : windowEnd(sample);
  if (end === 0) {
    throw AdapterError.unprocessable(
      `the first ${sample.length} bytes hold no complete line of ${format.toUpperCase()}`,
    );
  }
  const text = signalText(sample.subarray(0, end), format);
  const { signal, hasHeader } = readDelimitedTable(text, {
    tab: format === 'tsv',
    limits: DEFAULT_INPUT_LIMITS,
  });
  const probe = probeOfSignal(signal, format);
  if (whole) return probe;

  const { samples: _inWindow, durationS: _windowDuration, ...partial } = probe;
  if (totalBytes === undefined) return partial;
  const rows = signal.channels[0].values.length;
  const dataStart = Buffer.byteLength(text.slice(0, firstDataRowIndex(text, hasHeader)), 'utf8');
  const samples = Math.round(((totalBytes - dataStart) * rows) / (end - dataStart));
  const { sampleRateHz } = signal;
  return {
    ...partial,
    samples,
    samplesEstimated: true,
    ...(sampleRateHz === undefined ? {} : { durationS: roundDuration(samples / sampleRateHz) }),
  };
}

/** The end of the last whole line in the window, or of the second line of the sample when that is further. */
function windowEnd(sample: Buffer): number {
  const inWindow = sample.subarray(0, PROBE_WINDOW_BYTES).lastIndexOf(0x0a) + 1;
  const secondLine = sample.indexOf(0x0a, sample.indexOf(0x0a) + 1) + 1;
  return Math.max(inWindow, secondLine);
}

/** Index in `text` of the first data row: past leading blank and comment lines, and the header. */
function firstDataRowIndex(text: string, hasHeader: boolean): number {
  let start = 0;
  let headerSkipped = !hasHeader;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const next = newline < 0 ? text.length : newline + 1;
    const line = text
      .slice(start, next)
      .replace(/^\ufeff/, '')
      .trim();
    if (line !== '' && !line.startsWith('#')) {
      if (headerSkipped) return start;
      headerSkipped = true;
    }
    start = next;
  }
  return start;
}
