import { z } from 'zod';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import type { Signal, SignalChannel } from './signal';

const SignalDocumentSchema = z.object({
  sampleRateHz: z.number().positive().optional(),
  startTime: z.string().min(1).optional(),
  channels: z
    .array(
      z.object({
        name: z.string().min(1).optional(),
        unit: z.string().min(1).optional(),
        sampleRateHz: z.number().positive().optional(),
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
 * Reads a JSON signal: `{sampleRateHz?, startTime?, channels: [{name?, unit?, sampleRateHz?, values}]}`,
 * a bare numeric array (one channel), or an array of rows (samples x channels, like CSV lines).
 * The document's own sample rate wins over the caller's. Channels must have equal length unless
 * some carry their own `sampleRateHz` (channels sampled at different rates).
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
    ...(channel.sampleRateHz === undefined ? {} : { sampleRateHz: channel.sampleRateHz }),
    values: Float32Array.from(channel.values),
  }));
  const length = channels[0].values.length;
  const odd = channels.find((channel) => channel.values.length !== length);
  const ownRates = channels.some((channel) => channel.sampleRateHz !== undefined);
  if (odd && !ownRates) {
    throw AdapterError.unprocessable(
      `channels differ in length: "${channels[0].name}" has ${length} values, "${odd.name}" has ${odd.values.length}`,
    );
  }
  return {
    sampleRateHz: parsed.sampleRateHz ?? opts.sampleRateHz,
    ...(parsed.startTime === undefined ? {} : { startTime: parsed.startTime }),
    channels,
  };
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
