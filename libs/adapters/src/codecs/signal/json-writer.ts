import { AdapterError } from '../../sdk/adapter-error';
import type { Signal } from './signal';
import { assertFiniteSamples, float32Text } from './sample-text';

/**
 * Writes a signal as the documented JSON form: `{"sampleRateHz", "startTime"?, "channels":
 * [{"name", "unit"?, "sampleRateHz"?, "values"}]}`, every field the signal has, values in the
 * shortest text that reads back to the same float32. A blank name is left out (read back as `chN`).
 */
export function writeJsonSignal(signal: Signal): Buffer {
  if (signal.channels.length === 0) throw AdapterError.unprocessable('the signal has no channels');
  assertFiniteSamples(signal, 'JSON');
  const head: Record<string, unknown> = {};
  if (signal.sampleRateHz !== undefined) head.sampleRateHz = signal.sampleRateHz;
  if (signal.startTime !== undefined) head.startTime = signal.startTime;
  const channels = signal.channels.map((channel) => {
    const fields: Record<string, unknown> = {};
    if (channel.name !== '') fields.name = channel.name;
    if (channel.unit !== undefined && channel.unit !== '') fields.unit = channel.unit;
    if (channel.sampleRateHz !== undefined) fields.sampleRateHz = channel.sampleRateHz;
    const values = Array.from(channel.values, float32Text).join(',');
    return `${JSON.stringify(fields).slice(0, -1)}${Object.keys(fields).length > 0 ? ',' : ''}"values":[${values}]}`;
  });
  const opening = JSON.stringify(head).slice(0, -1);
  const separator = Object.keys(head).length > 0 ? ',' : '';
  return Buffer.from(`${opening}${separator}"channels":[\n${channels.join(',\n')}\n]}\n`, 'utf8');
}
