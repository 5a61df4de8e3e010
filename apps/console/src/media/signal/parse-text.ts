import { Decimator, type SignalData, type SignalHints } from './signal-data';

/** Words a time column's name starts with (`time_s`, `Time [ms]`, `timestamp`, `t`). */
const TIME_WORDS = new Set([
  't',
  'time',
  'times',
  'timestamp',
  'sec',
  'secs',
  'seconds',
  'ms',
  'elapsed',
  'date',
  'datetime',
]);

/** The first word of a column name, lower-cased (`Time [ms]` → `time`). */
function firstWord(name: string): string {
  const lower = name.toLowerCase();
  let end = 0;
  while (end < lower.length && lower[end] >= 'a' && lower[end] <= 'z') end++;
  return lower.slice(0, end);
}

/** Whether a column's name says it is in milliseconds (`time_ms`, `t (ms)`, `ms`). */
function inMilliseconds(name: string): boolean {
  return name
    .toLowerCase()
    .split(/[^a-z]+/)
    .includes('ms');
}

/** The unit a channel's name carries after an underscore or in brackets (`MLII_mV`, `ECG (mV)`). */
export function unitOf(name: string): string | undefined {
  const open = name.search(/[([]/);
  if (open > 0) {
    let inner = name.slice(open + 1).trim();
    if (inner.endsWith(')') || inner.endsWith(']')) inner = inner.slice(0, -1);
    return inner.trim() || undefined;
  }
  const underscore = name.lastIndexOf('_');
  return underscore > 0 && underscore < name.length - 1 ? name.slice(underscore + 1) : undefined;
}

function delimiterOf(line: string): string | RegExp {
  for (const d of [',', '\t', ';']) if (line.includes(d)) return d;
  return /\s+/;
}

/**
 * A delimited text signal (CSV, TSV, whitespace columns) read line by line from `chunks`: a header
 * row when the first row is not all numbers; a time column when one is named so (`time_s`, `t`,
 * `timestamp`, in ms when its name says so, dates as Unix seconds), else x is the sample index
 * over the rate hinted, else the index. Memory stays bounded (see {@link Decimator}).
 */
export async function parseDelimited(
  chunks: AsyncIterable<string>,
  hints: SignalHints = {},
  onProgress?: (chars: number) => void,
): Promise<SignalData> {
  let rest = '';
  let read = 0;
  let state: LineState | undefined;
  const takeLine = (raw: string) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    if (!state) state = startState(line, hints);
    else state.row(line);
  };
  for await (const chunk of chunks) {
    read += chunk.length;
    let from = 0;
    let nl = chunk.indexOf('\n');
    if (nl >= 0) {
      takeLine(rest + chunk.slice(0, nl));
      rest = '';
      from = nl + 1;
      while ((nl = chunk.indexOf('\n', from)) >= 0) {
        takeLine(chunk.slice(from, nl));
        from = nl + 1;
      }
    }
    rest += chunk.slice(from);
    onProgress?.(read);
  }
  if (rest) takeLine(rest);
  if (!state || state.decimator.samples === 0) throw new Error('no rows of numbers to plot');
  return state.finish();
}

interface LineState {
  decimator: Decimator;
  row(line: string): void;
  finish(): SignalData;
}

function startState(first: string, hints: SignalHints): LineState {
  const delimiter = delimiterOf(first);
  const split = (line: string) => line.trim().split(delimiter);
  const firstFields = split(first);
  const header = firstFields.some((f) => f.trim() !== '' && !Number.isFinite(Number(f)));
  const names = header
    ? firstFields.map((f) => f.trim().replace(/^"|"$/g, ''))
    : firstFields.map((_f, i) => hints.channelNames?.[i] ?? `column ${i + 1}`);
  let timeIndex = -1;
  if (header) {
    timeIndex = hints.timeColumn !== undefined ? names.indexOf(hints.timeColumn) : -1;
    if (timeIndex < 0) timeIndex = names.findIndex((n) => TIME_WORDS.has(firstWord(n)));
  }
  const timeScale = timeIndex >= 0 && inMilliseconds(names[timeIndex]) ? 1e-3 : 1;
  const channelIndexes = names.map((_n, i) => i).filter((i) => i !== timeIndex);
  const decimator = new Decimator(channelIndexes.length);
  const values = new Float64Array(channelIndexes.length);
  const rate = hints.sampleRateHz && hints.sampleRateHz > 0 ? hints.sampleRateHz : undefined;
  let absoluteTime = false;
  let index = 0;
  let lastX = -Infinity;
  const row = (line: string) => {
    const fields = split(line);
    let x: number;
    if (timeIndex >= 0) {
      const raw = fields[timeIndex] ?? '';
      x = Number(raw) * timeScale;
      if (!Number.isFinite(x)) {
        const ms = Date.parse(raw.trim().replace(/^"|"$/g, ''));
        if (Number.isNaN(ms)) return; // a row without a time cannot be placed
        x = ms / 1000;
        absoluteTime = true;
      }
      if (x < lastX) return; // out of order: the plot needs time ascending
      lastX = x;
    } else {
      x = rate ? index / rate : index;
    }
    for (let c = 0; c < channelIndexes.length; c++) {
      const f = fields[channelIndexes[c]];
      values[c] = f === undefined || f.trim() === '' ? NaN : Number(f);
    }
    index++;
    decimator.push(x, values);
  };
  if (!header) row(first);
  return {
    decimator,
    row,
    finish: () => {
      const { x, values: series, decimation } = decimator.finish();
      return {
        x,
        xLabel: timeIndex >= 0 || rate ? 'time (s)' : 'sample',
        absoluteTime,
        channels: channelIndexes.map((i, c) => ({
          name: names[i],
          unit: unitOf(names[i]),
          values: series[c],
        })),
        samples: decimator.samples,
        decimation,
        sampleRateHz: rate,
      };
    },
  };
}

/**
 * A JSON signal as the gateway's signal adapters write it: `{sampleRateHz, channels: [{name,
 * unit, values}]}`, or a bare array of numbers (one channel) or of rows of numbers.
 */
export function parseJsonSignal(text: string, hints: SignalHints = {}): SignalData {
  const doc: unknown = JSON.parse(text);
  let columns: { name: string; unit?: string; values: unknown[] }[];
  let rate = hints.sampleRateHz;
  if (Array.isArray(doc)) {
    if (doc.every((v) => Array.isArray(v))) {
      const width = Math.max(0, ...(doc as unknown[][]).map((r) => r.length));
      columns = Array.from({ length: width }, (_v, c) => ({
        name: hints.channelNames?.[c] ?? `channel ${c + 1}`,
        values: (doc as unknown[][]).map((r) => r[c]),
      }));
    } else {
      columns = [{ name: hints.channelNames?.[0] ?? 'channel 1', values: doc }];
    }
  } else if (doc && typeof doc === 'object' && Array.isArray((doc as { channels?: unknown }).channels)) {
    const d = doc as { sampleRateHz?: unknown; channels: unknown[] };
    if (typeof d.sampleRateHz === 'number' && d.sampleRateHz > 0) rate = d.sampleRateHz;
    columns = d.channels.map((ch, i) => {
      const c = (ch ?? {}) as { name?: unknown; unit?: unknown; values?: unknown };
      return {
        name: typeof c.name === 'string' ? c.name : `channel ${i + 1}`,
        unit: typeof c.unit === 'string' ? c.unit : undefined,
        values: Array.isArray(c.values) ? c.values : [],
      };
    });
  } else {
    throw new Error('not a JSON signal (an array of numbers, or {channels: [{values}]})');
  }
  const length = Math.max(0, ...columns.map((c) => c.values.length));
  if (length === 0 || columns.length === 0) throw new Error('no samples to plot');
  const decimator = new Decimator(columns.length);
  const row = new Float64Array(columns.length);
  for (let i = 0; i < length; i++) {
    for (let c = 0; c < columns.length; c++) {
      const v = columns[c].values[i];
      row[c] = typeof v === 'number' ? v : NaN;
    }
    decimator.push(rate ? i / rate : i, row);
  }
  const { x, values, decimation } = decimator.finish();
  return {
    x,
    xLabel: rate ? 'time (s)' : 'sample',
    absoluteTime: false,
    channels: columns.map((c, i) => ({ name: c.name, unit: c.unit, values: values[i] })),
    samples: decimator.samples,
    decimation,
    sampleRateHz: rate,
  };
}
