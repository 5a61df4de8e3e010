import { probePointCloud } from '@omnigate/adapters';

/** DESIGN's JSON signal: `{sampleRateHz, channels: [{name, unit?, values}]}`. */
interface JsonSignal {
  sampleRateHz: number;
  channels: { name: string; values: unknown[] }[];
}

/**
 * Deeper than this, a document is not read as JSON (a signal or cloud is 4 deep): V8 parses
 * 32,000 nested brackets in 28 ms or more, and no reading here needs them.
 */
const MAX_JSON_DEPTH = 256;

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
  if (nestingDepth(text) > MAX_JSON_DEPTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (isJsonSignal(value)) {
    const { sampleRateHz, channels } = value;
    // A loop, not Math.max(...): the channels are as many as the content says.
    const samples = channels.reduce((most, channel) => Math.max(most, channel.values.length), 0);
    const meta = { sampleRateHz, channels: channels.map((channel) => channel.name), samples };
    return { kind: 'signal', meta, complete: true };
  }
  // A bare numeric array is a one-channel signal without a sample rate.
  if (isNumberArray(value) && value.length > 0)
    return { kind: 'signal', meta: { channels: 1, samples: value.length }, complete: true };
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

/**
 * The shape checks stop at the first value that does not fit: a schema library collects an
 * issue (with its path) for every one, 130–350 ms for the 16,000 strings a 64 KiB sample holds.
 */
function isJsonSignal(value: unknown): value is JsonSignal {
  if (!isObject(value) || typeof value.sampleRateHz !== 'number' || !(value.sampleRateHz > 0)) return false;
  const { channels } = value;
  if (!Array.isArray(channels) || channels.length === 0) return false;
  return channels.every(
    (channel) =>
      isObject(channel) &&
      typeof channel.name === 'string' &&
      (channel.unit === undefined || typeof channel.unit === 'string') &&
      isNumberArray(channel.values),
  );
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number');
}

/** The deepest nesting of brackets and braces outside strings, in one pass. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      deepest = Math.max(deepest, ++depth);
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return deepest;
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
