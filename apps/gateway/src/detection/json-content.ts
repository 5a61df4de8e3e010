import { probePointCloud } from '@omnigate/adapters';
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
  | { kind: 'signal'; meta: Record<string, unknown>; complete: boolean }
  | { kind: 'pointcloud'; meta: Record<string, unknown>; points?: number; complete: boolean }
  | { kind: 'json'; complete: boolean };

/**
 * Reads `text` as JSON. A complete document is parsed; a prefix cut by the sample cannot be, so
 * only its opening is judged: `[` and a number, or an object that names both signal keys, is a
 * signal. What is not a signal may be a JSON point cloud (either form of the point cloud codec:
 * `{"points": [[x, y, z, ...], ...]}` or `{"positions": [x, y, z, ...]}`, see its README),
 * which the codec's own probe judges: all of a complete document, the whole rows or values a
 * prefix holds.
 */
export function readJson(text: string, totalBytes: number, complete: boolean): JsonReading | undefined {
  const start = text.trimStart();
  if (!start.startsWith('{') && !start.startsWith('[')) return undefined;
  return complete ? readWholeJson(text) : readJsonPrefix(start, totalBytes);
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
    // A loop, not Math.max(...): the channels are as many as the content says.
    const samples = channels.reduce((most, channel) => Math.max(most, channel.values.length), 0);
    const meta = { sampleRateHz, channels: channels.map((channel) => channel.name), samples };
    return { kind: 'signal', meta, complete: true };
  }
  const series = NumericArraySchema.safeParse(value);
  if (series.success)
    return { kind: 'signal', meta: { channels: 1, samples: series.data.length }, complete: true };
  if (isObject(value) && (Object.hasOwn(value, 'points') || Object.hasOwn(value, 'positions'))) {
    const cloud = readPointCloud(text);
    if (cloud) return cloud;
  }
  return { kind: 'json', complete: true };
}

function readJsonPrefix(start: string, totalBytes: number): JsonReading {
  const numericArray = /^\[\s*[-+]?(?:\d|\.\d)/.test(start);
  const signalObject = /^\{/.test(start) && /"sampleRateHz"\s*:/.test(start) && /"channels"\s*:/.test(start);
  if (numericArray || signalObject) return { kind: 'signal', meta: {}, complete: false };
  const cloudObject = /^\{/.test(start) && /"(?:points|positions)"\s*:/.test(start);
  return (cloudObject && readPointCloud(start, totalBytes)) || { kind: 'json', complete: false };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The point cloud codec's JSON probe as a yes/no test (a cloud of no points is no evidence), of
 * the whole document, or of a prefix of content of `totalBytes`. A prefix's point count is an
 * estimate, left to the prober; a count from a `points` or `positions` array that ends in the
 * sample is exact.
 */
function readPointCloud(text: string, totalBytes?: number): JsonReading | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const complete = totalBytes === undefined;
  try {
    const probe = probePointCloud(bytes, totalBytes ?? bytes.length, 'json');
    const { format, points, fields, width, height } = probe;
    const known = probe.pointsEstimated ? undefined : points;
    // An empty cloud shows nothing of a point cloud but its key.
    if (known === 0) return undefined;
    const meta = {
      format,
      ...(known !== undefined && { points: known }),
      fields,
      ...(width !== undefined && { width, height }),
    };
    return { kind: 'pointcloud', meta, ...(known !== undefined && { points: known }), complete };
  } catch {
    return undefined;
  }
}
