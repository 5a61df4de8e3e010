import { z } from 'zod';

/** DESIGN's JSON signal: `{sampleRateHz, channels: [{name, values}]}`. */
const JsonSignalSchema = z.object({
  sampleRateHz: z.number().positive(),
  channels: z
    .array(z.object({ name: z.string(), unit: z.string().optional(), values: z.array(z.number()) }))
    .min(1),
});

/** A bare numeric array is a one-channel signal without a sample rate. */
const NumericArraySchema = z.array(z.number()).min(1);

export type JsonReading =
  { kind: 'signal'; meta: Record<string, unknown>; complete: boolean } | { kind: 'json'; complete: boolean };

/**
 * Reads `text` as JSON. A complete document is parsed; a prefix cut by the sample cannot be, so
 * only its opening is judged: `[` and a number, or an object that names both signal keys.
 */
export function readJson(text: string, complete: boolean): JsonReading | undefined {
  const start = text.trimStart();
  if (!start.startsWith('{') && !start.startsWith('[')) return undefined;
  return complete ? readWholeJson(text) : readJsonPrefix(start);
}

function readWholeJson(text: string): JsonReading | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const signal = JsonSignalSchema.safeParse(value);
  if (signal.success) {
    const { sampleRateHz, channels } = signal.data;
    const samples = Math.max(...channels.map((channel) => channel.values.length));
    const meta = { sampleRateHz, channels: channels.map((channel) => channel.name), samples };
    return { kind: 'signal', meta, complete: true };
  }
  const series = NumericArraySchema.safeParse(value);
  if (series.success)
    return { kind: 'signal', meta: { channels: 1, samples: series.data.length }, complete: true };
  return { kind: 'json', complete: true };
}

function readJsonPrefix(start: string): JsonReading {
  const numericArray = /^\[\s*[-+]?(?:\d|\.\d)/.test(start);
  const signalObject = /^\{/.test(start) && /"sampleRateHz"\s*:/.test(start) && /"channels"\s*:/.test(start);
  return numericArray || signalObject
    ? { kind: 'signal', meta: {}, complete: false }
    : { kind: 'json', complete: false };
}
