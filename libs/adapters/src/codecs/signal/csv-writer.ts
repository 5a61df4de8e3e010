import type { Signal } from './signal';
import { assertFiniteSamples, float32Text } from './sample-text';
import { signalRows } from './signal-rows';
import { TextOutput } from './text-output';

/** The header of the time column the CSV writer adds when the sample rate is known. */
export const CSV_TIME_COLUMN = 'time_s';

/**
 * Writes a signal as CSV: a header row, then one row per sample. When the sample rate is known
 * the first column is `time_s` (seconds from the first sample), from which the reader recovers
 * the rate (to 6 significant digits). Channel names are written exactly, quoted when needed;
 * units are not added to them, so a unit survives only when the name already states it
 * (`MLII_mV`, `ECG (mV)`) — JSON keeps units. Channels must share one length and rate.
 * Output past `maxBytes` is refused (`payload_too_large`) as soon as it is written.
 */
export function writeCsvSignal(signal: Signal, maxBytes = Infinity): Buffer {
  const { samples, sampleRateHz } = signalRows(signal, 'CSV');
  assertFiniteSamples(signal, 'CSV');
  const timed = sampleRateHz !== undefined;
  const out = new TextOutput(maxBytes, 'CSV');
  const header = signal.channels.map((c) => csvField(c.name));
  if (timed) header.unshift(CSV_TIME_COLUMN);
  out.write(`${header.join(',')}\n`);
  const row = new Array<string>(header.length);
  for (let i = 0; i < samples; i++) {
    let cell = 0;
    if (timed) row[cell++] = timeText(i / sampleRateHz);
    for (const channel of signal.channels) row[cell++] = float32Text(channel.values[i]);
    out.write(`${row.join(',')}\n`);
  }
  return out.toBuffer();
}

/** Seconds to 12 significant digits: enough for the reader to recover the rate exactly. */
function timeText(seconds: number): string {
  return String(Number(seconds.toPrecision(12)));
}

/** A field quoted when it holds a delimiter, quote or line break, edge spaces, or starts a comment. */
function csvField(text: string): string {
  return /[,;|\t"\r\n]|^\s|\s$|^#/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
