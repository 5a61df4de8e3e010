import type { InputLimits } from '../../sdk/input-limits';
import type { Signal, SignalChannel } from './signal';
import { edfSampleRate, readEdfHeader, type EdfSignalHeader } from './edf-header';
import { checkSignalValues } from './signal-limits';

/**
 * Reads an EDF/EDF+ file: every data record, 16-bit little-endian samples converted to physical
 * values by the header's linear scaling, one channel per ordinary signal ("EDF Annotations"
 * channels are skipped). Labels and units come from the header, trimmed; a blank label is `chN`.
 * When every channel has the same rate it is the signal's `sampleRateHz`, otherwise each channel
 * carries its own. The records of an EDF+D (discontinuous) file are joined end to end.
 * The header is checked against the file's size (422) and its samples against
 * LIMIT_SIGNAL_VALUES (413) before anything is allocated.
 */
export function readEdfSignal(data: Buffer, limits: InputLimits): Signal {
  const header = readEdfHeader(data, data.length);
  const { records, recordBytes } = header;
  const samplesPerRecord = header.signals.reduce(
    (sum, signal) => (signal.annotation ? sum : sum + signal.samplesPerRecord),
    0,
  );
  checkSignalValues(limits, records * samplesPerRecord);

  let offsetInRecord = 0;
  const readers: { signal: EdfSignalHeader; offset: number; values: Float32Array }[] = [];
  for (const signal of header.signals) {
    if (!signal.annotation) {
      // Checked by readEdfHeader: records * recordBytes fits in the file, so this is bounded by its size.
      readers.push({
        signal,
        offset: offsetInRecord,
        values: new Float32Array(records * signal.samplesPerRecord),
      });
    }
    offsetInRecord += 2 * signal.samplesPerRecord;
  }

  for (const { signal, offset, values } of readers) {
    const { physicalMin, digitalMin, samplesPerRecord: n } = signal;
    const gain = (signal.physicalMax - physicalMin) / (signal.digitalMax - digitalMin);
    for (let record = 0; record < records; record++) {
      const start = header.headerBytes + record * recordBytes + offset;
      for (let i = 0; i < n; i++) {
        values[record * n + i] = physicalMin + (data.readInt16LE(start + 2 * i) - digitalMin) * gain;
      }
    }
  }

  const rates = readers.map(({ signal }) => edfSampleRate(header, signal));
  const shared = rates.every((rate) => rate === rates[0]);
  const channels = readers.map(({ signal, values }, i): SignalChannel => ({
    name: signal.label === '' ? `ch${i + 1}` : signal.label,
    ...(signal.unit === undefined ? {} : { unit: signal.unit }),
    ...(shared ? {} : { sampleRateHz: rates[i] }),
    values,
  }));
  return {
    ...(shared ? { sampleRateHz: rates[0] } : {}),
    ...(header.startTime === undefined ? {} : { startTime: header.startTime }),
    channels,
  };
}
