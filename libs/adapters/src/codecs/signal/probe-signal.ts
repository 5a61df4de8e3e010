import { probeDelimited } from './delimited-probe';
import { edfSampleRate, readEdfHeader } from './edf-header';
import { probeJson } from './json-probe';
import type { SignalFormat } from './signal-format';
import { knownSize, roundDuration, type SignalProbe } from './signal-probe';
import { readWavLayout } from './wav-header';

/**
 * What a signal's first bytes say about it, for detection: `sample` is the start of the file,
 * `totalBytes` its whole size, or Number.MAX_SAFE_INTEGER when unknown. EDF and WAV are read from
 * their headers alone (channels, rate, samples, duration exactly); CSV/TSV and JSON from the
 * sample (see `probeDelimited`, `probeJson`). Headers that contradict the size (a data chunk past
 * the end, truncated records) throw `unprocessable_input`, as decoding would. With the size
 * unknown, counts are as declared, and left out where only the size would give them (an EDF of
 * -1 records, estimates from the bytes per row). The work is bounded by the sample, whatever
 * the headers declare.
 */
export function probeSignal(sample: Buffer, totalBytes: number, format: SignalFormat): SignalProbe {
  const size = knownSize(sample, totalBytes);
  switch (format) {
    case 'edf':
      return probeEdf(sample, size);
    case 'wav':
      return probeWav(sample, size);
    case 'json':
      return probeJson(sample, size);
    case 'csv':
    case 'tsv':
      return probeDelimited(sample, size, format);
  }
}

function probeEdf(sample: Buffer, totalBytes: number | undefined): SignalProbe {
  const header = readEdfHeader(sample, totalBytes);
  const { records } = header;
  const signals = header.signals.filter((signal) => !signal.annotation);
  const rates = signals.map((signal) => edfSampleRate(header, signal));
  const shared = rates.every((rate) => rate === rates[0]);
  return {
    format: 'edf',
    channels: signals.map((signal, i) => ({
      name: signal.label === '' ? `ch${i + 1}` : signal.label,
      ...(signal.unit === undefined ? {} : { unit: signal.unit }),
      ...(shared ? {} : { sampleRateHz: rates[i] }),
    })),
    ...(shared ? { sampleRateHz: rates[0] } : {}),
    ...(shared && records !== undefined ? { samples: records * signals[0].samplesPerRecord } : {}),
    ...(records === undefined ? {} : { durationS: roundDuration(records * header.recordDurationS) }),
    ...(header.startTime === undefined ? {} : { startTime: header.startTime }),
  };
}

function probeWav(sample: Buffer, totalBytes: number | undefined): SignalProbe {
  const { format, frames } = readWavLayout(sample, totalBytes);
  return {
    format: 'wav',
    channels: Array.from({ length: format.channels }, (_unused, c) => ({ name: `ch${c + 1}` })),
    sampleRateHz: format.sampleRateHz,
    samples: frames,
    durationS: roundDuration(frames / format.sampleRateHz),
  };
}
