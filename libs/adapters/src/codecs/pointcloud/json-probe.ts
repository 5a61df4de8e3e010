import { AdapterError } from '../../sdk/adapter-error';
import { jsonEvents, type JsonEvent } from '../signal/json-events';
import {
  ARRAY_FIELDS,
  ARRAYS_FORM_KEYS,
  defaultJsonFieldNames,
  jsonFail,
  jsonPointCloudForm,
  jsonPointValue,
  JSON_POINT_CLOUD_FORMS,
  readJsonPointCloud,
  ROWS_FORM_KEYS,
  SHARED_KEYS,
} from './json-reader';
import { checkPointFields } from './cloud-limits';
import { quote } from './header-text';
import { estimatePoints, type FileSize } from './file-size';
import type { PointCloudProbe } from './probe';

const KNOWN_KEYS: readonly string[] = [...ROWS_FORM_KEYS, ...ARRAYS_FORM_KEYS, ...SHARED_KEYS];

/** Items of an array seen in the sample: how many, from the start of the first to the end of the last. */
interface Span {
  count: number;
  start: number;
  end: number;
  closed: boolean;
}

/** What a walk over the start of a JSON point cloud saw. */
interface JsonCloudStart {
  keys: string[];
  fields: string[];
  fieldsClosed: boolean;
  /** Whole rows of `points`, and the width of the first. */
  rows: Span;
  width?: number;
  /** Values of `positions`. */
  positions: Span;
  organized: { width?: number; height?: number };
}

/**
 * Probes a JSON point cloud from its first bytes. A sample holding the whole file is decoded;
 * otherwise its start is walked (the signal codec's tolerant JSON walker): the rows form gives
 * its fields (from `fields`, which the writer puts first, or by the width of the rows) and the
 * points are the whole rows seen, scaled up to the file by their bytes; the arrays form gives
 * x y z and the per-point arrays whose keys the sample reaches, and the points from the values
 * of `positions` scaled the same way, which over-counts when other arrays follow `positions`.
 */
export function probeJsonPointCloud(sample: Uint8Array, size: FileSize): PointCloudProbe<'json'> {
  if (sample.length >= size.bytes) {
    const cloud = readJsonPointCloud(sample);
    return {
      format: 'json',
      encoding: 'ascii',
      points: cloud.count,
      fields: cloud.fields.map((field) => field.name),
      ...(cloud.organized && { width: cloud.organized.width, height: cloud.organized.height }),
    };
  }
  const text = partialText(sample);
  const start = walk(text);
  const form = jsonPointCloudForm(start.keys);
  const byteAt = (index: number) => Buffer.byteLength(text.slice(0, index), 'utf8');
  // The span's items over its bytes, scaled to the rest of the file from where it starts.
  const estimate = (span: Span) =>
    estimatePoints(
      span.count,
      byteAt(span.end) - byteAt(span.start),
      size.known ? { bytes: size.bytes - byteAt(span.start), known: true } : size,
    );

  let points: number;
  let estimated: boolean;
  let fields: string[];
  if (form === 'rows') {
    const { rows, width = 0 } = start;
    if (rows.count === 0) throw jsonFail('the sample holds no whole row of "points"');
    if (start.fieldsClosed && start.fields.length !== width) {
      throw jsonFail(`"fields" names ${start.fields.length} fields, the rows have ${width} values`);
    }
    if (!start.fieldsClosed && width < 3)
      throw jsonFail(`points need at least 3 values (x y z), points[0] has ${width}`);
    fields = start.fieldsClosed ? start.fields : defaultJsonFieldNames(width);
    [points, estimated] = rows.closed ? [rows.count, false] : [estimate(rows), true];
  } else {
    const { positions } = start;
    if (positions.closed && positions.count % 3 !== 0) {
      throw jsonFail(`"positions" has ${positions.count} values, not a multiple of 3 (x y z per point)`);
    }
    if (!positions.closed && positions.count === 0)
      throw jsonFail('the sample holds no values of "positions"');
    fields = ARRAYS_FORM_KEYS.filter((key) => start.keys.includes(key)).flatMap(
      (key) => ARRAY_FIELDS[key].names,
    );
    [points, estimated] = positions.closed
      ? [positions.count / 3, false]
      : [Math.max(1, Math.round(estimate(positions) / 3)), true];
  }
  const { width, height } = start.organized;
  return {
    format: 'json',
    encoding: 'ascii',
    points,
    ...(estimated && { pointsEstimated: true }),
    fields,
    ...(width !== undefined && height !== undefined && { width, height }),
  };
}

function walk(text: string): JsonCloudStart {
  const seen: JsonCloudStart = {
    keys: [],
    fields: [],
    fieldsClosed: false,
    rows: { count: 0, start: 0, end: 0, closed: false },
    positions: { count: 0, start: 0, end: 0, closed: false },
    organized: {},
  };
  const keys: string[] = [];
  const row = { width: 0 };
  for (const event of events(text)) {
    if (event.depth === 0) {
      if (event.kind === 'scalar' || (event.kind === 'open' && event.container !== 'object')) {
        throw jsonFail(`the document is not an object; ${JSON_POINT_CLOUD_FORMS}`);
      }
    } else if (event.kind === 'key') {
      keys[event.depth] = event.key;
      if (event.depth === 1) {
        if (!KNOWN_KEYS.includes(event.key)) {
          throw jsonFail(`unknown key ${quote(event.key)}; ${JSON_POINT_CLOUD_FORMS}`);
        }
        seen.keys.push(event.key);
      }
    } else {
      if (event.kind === 'open') keys.length = event.depth + 1;
      if (
        event.depth === 1 &&
        (event.kind === 'scalar' || (event.kind === 'open' && event.container !== 'array'))
      ) {
        if (keys[1] !== 'organized' && keys[1] !== 'viewpoint')
          throw jsonFail(`"${keys[1]}" is not an array`);
      }
      if (keys[1] === 'points') seeRows(event, seen, row);
      else if (keys[1] === 'positions') seePositions(event, seen);
      else if (keys[1] === 'fields') seeFields(event, seen);
      else if (keys[1] === 'organized') seeOrganized(event, keys[2], seen);
    }
  }
  if (!seen.keys.includes('points') && !seen.keys.includes('positions')) {
    throw jsonFail('the sample ends before a "points" or "positions" key');
  }
  return seen;
}

/** Rows of `points` (depth 2) and their values (depth 3). */
function seeRows(event: JsonEvent, seen: JsonCloudStart, row: { width: number }): void {
  const where = `points[${seen.rows.count}]`;
  if (event.depth === 1 && event.kind === 'close') seen.rows.closed = true;
  if (event.depth === 2) {
    if (event.kind === 'scalar' || (event.kind === 'open' && event.container !== 'array')) {
      throw jsonFail(`${where} is not an array`);
    }
    if (event.kind === 'open') {
      if (seen.rows.count === 0) seen.rows.start = event.start;
      row.width = 0;
    }
    if (event.kind === 'close') {
      seen.width ??= row.width;
      if (row.width !== seen.width)
        throw jsonFail(`${where} has ${row.width} values, ${seen.width} expected`);
      seen.rows.count++;
      seen.rows.end = event.end;
    }
  }
  if (event.depth === 3 && event.kind !== 'close') {
    if (event.kind !== 'scalar' || jsonPointValue(event.value) === undefined) {
      throw jsonFail(`${where}[${row.width}] is not a number`);
    }
    row.width++;
    checkPointFields(row.width, `JSON ${where}`);
  }
}

/** Values of `positions` (depth 2). */
function seePositions(event: JsonEvent, seen: JsonCloudStart): void {
  if (event.depth === 1 && event.kind === 'close') seen.positions.closed = true;
  if (event.depth === 2 && event.kind !== 'close') {
    if (event.kind !== 'scalar' || jsonPointValue(event.value) === undefined) {
      throw jsonFail(`positions[${seen.positions.count}] is not a number`);
    }
    if (seen.positions.count++ === 0) seen.positions.start = event.start;
    seen.positions.end = event.end;
  }
}

/** Names in `fields` (depth 2). */
function seeFields(event: JsonEvent, seen: JsonCloudStart): void {
  if (event.depth === 1 && event.kind === 'close') seen.fieldsClosed = true;
  if (event.depth === 2 && event.kind !== 'close') {
    if (event.kind !== 'scalar' || typeof event.value !== 'string' || event.value === '') {
      throw jsonFail(`fields[${seen.fields.length}] is not a non-empty string`);
    }
    seen.fields.push(event.value);
    checkPointFields(seen.fields.length, 'JSON "fields"');
  }
}

/** `organized: {width, height}`. */
function seeOrganized(event: JsonEvent, key: string | undefined, seen: JsonCloudStart): void {
  if (event.depth !== 2 || event.kind !== 'scalar' || typeof event.value !== 'number') return;
  if (key === 'width' || key === 'height') seen.organized[key] = event.value;
}

/** The signal codec's walker, its syntax errors named for point clouds. */
function* events(text: string): Generator<JsonEvent> {
  try {
    yield* jsonEvents(text);
  } catch (error) {
    if (!(error instanceof AdapterError)) throw error;
    throw AdapterError.unprocessable(error.message.replace(/JSON signal/, 'JSON point cloud'), error);
  }
}

/** The sample as text, an incomplete UTF-8 sequence at its end dropped. */
function partialText(sample: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch (error) {
    throw AdapterError.unprocessable('the JSON point cloud is not valid UTF-8', error);
  }
}
