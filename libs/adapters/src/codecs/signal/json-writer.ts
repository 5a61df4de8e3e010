import { AdapterError } from '../../sdk/adapter-error';
import type { Signal } from './signal';
import { assertFiniteSamples, float32Text } from './sample-text';
import { TextOutput } from './text-output';

/**
 * Writes a signal as the documented JSON form: `{"sampleRateHz", "startTime"?, "channels":
 * [{"name", "unit"?, "sampleRateHz"?, "values"}]}`, every field the signal has, values in the
 * shortest text that reads back to the same float32. A blank name is left out (read back as `chN`).
 * Output past `maxBytes` is refused (`payload_too_large`) as soon as it is written.
 */
export function writeJsonSignal(signal: Signal, maxBytes = Infinity): Buffer {
  if (signal.channels.length === 0) throw AdapterError.unprocessable('the signal has no channels');
  assertFiniteSamples(signal, 'JSON');
  const out = new TextOutput(maxBytes, 'JSON');
  const head: Record<string, unknown> = {};
  if (signal.sampleRateHz !== undefined) head.sampleRateHz = signal.sampleRateHz;
  if (signal.startTime !== undefined) head.startTime = signal.startTime;
  const opening = JSON.stringify(head).slice(0, -1);
  out.write(`${opening}${Object.keys(head).length > 0 ? ',' : ''}"channels":[\n`);
  signal.channels.forEach((channel, c) => {
    const fields: Record<string, unknown> = {};
    if (channel.name !== '') fields.name = channel.name;
    if (channel.unit !== undefined && channel.unit !== '') fields.unit = channel.unit;
    if (channel.sampleRateHz !== undefined) fields.sampleRateHz = channel.sampleRateHz;
    const separator = Object.keys(fields).length > 0 ? ',' : '';
    out.write(`${c === 0 ? '' : ',\n'}${JSON.stringify(fields).slice(0, -1)}${separator}"values":[`);
    channel.values.forEach((value, i) => out.write(i === 0 ? float32Text(value) : `,${float32Text(value)}`));
    out.write(']}');
  });
  out.write('\n]}\n');
  return out.toBuffer();
}
