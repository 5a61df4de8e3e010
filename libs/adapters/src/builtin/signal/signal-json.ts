import { z } from 'zod';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../error-message';
import type { Signal, SignalChannel } from './signal';

const SignalDocumentSchema = z.object({
  sampleRateHz: z.number().positive().optional(),
  channels: z
    .array(
      z.object({
        name: z.string().min(1).optional(),
        unit: z.string().min(1).optional(),
        values: z.array(z.number()),
      }),
    )
    .min(1),
});

const SamplesSchema = z.array(z.number());
const RowsSchema = z.array(z.array(z.number()));

const FORMS =
  'a JSON signal is {"sampleRateHz", "channels": [{"name", "unit"?, "values": [...]}]}, ' +
  'an array of numbers (one channel) or an array of rows of numbers (one value per channel)';

/**
 * Reads a JSON signal: `{sampleRateHz?, channels: [{name?, unit?, values}]}`, a bare numeric
 * array (one channel), or an array of rows (samples x channels, like CSV lines). The document's
 * own sample rate wins over the caller's.
 */
export function parseJsonSignal(text: string, opts: { sampleRateHz?: number }): Signal {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw AdapterError.unprocessable(`malformed JSON signal: ${errorMessage(error)}`, error);
  }

  if (Array.isArray(document)) {
    if (document.length === 0) throw AdapterError.unprocessable('the signal has no samples');
    const channels = document.every((item) => Array.isArray(item))
      ? channelsFromRows(check(RowsSchema, document))
      : [{ name: 'ch1', values: Float32Array.from(check(SamplesSchema, document)) }];
    return { sampleRateHz: opts.sampleRateHz, channels };
  }

  const parsed = check(SignalDocumentSchema, document);
  const channels = parsed.channels.map((channel, i): SignalChannel => ({
    name: channel.name ?? `ch${i + 1}`,
    ...(channel.unit ? { unit: channel.unit } : {}),
    values: Float32Array.from(channel.values),
  }));
  const length = channels[0].values.length;
  const odd = channels.find((channel) => channel.values.length !== length);
  if (odd) {
    throw AdapterError.unprocessable(
      `channels differ in length: "${channels[0].name}" has ${length} values, "${odd.name}" has ${odd.values.length}`,
    );
  }
  return { sampleRateHz: parsed.sampleRateHz ?? opts.sampleRateHz, channels };
}

function channelsFromRows(rows: number[][]): SignalChannel[] {
  const width = rows[0]?.length ?? 0;
  if (width === 0) throw AdapterError.unprocessable(`the first row has no values; ${FORMS}`);
  const ragged = rows.findIndex((row) => row.length !== width);
  if (ragged >= 0) {
    throw AdapterError.unprocessable(
      `row ${ragged + 1} has ${rows[ragged].length} values, expected ${width}`,
    );
  }
  return Array.from({ length: width }, (_unused, c) => ({
    name: `ch${c + 1}`,
    values: Float32Array.from(rows, (row) => row[c]),
  }));
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw AdapterError.unprocessable(`invalid JSON signal${where}: ${issue.message}; ${FORMS}`, result.error);
}
