import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { jsonEvents, type JsonEvent } from './json-events';
import { parseJsonSignal } from './json-reader';
import { probeOfSignal, roundDuration, type SignalProbe, type SignalProbeChannel } from './signal-probe';
import { signalText } from './signal-text';

interface ChannelSeen {
  name?: string;
  unit?: string;
  sampleRateHz?: number;
  values: number;
  valuesClosed: boolean;
}

/**
 * Probes a JSON signal from its first bytes. The whole file is decoded when it fits in the sample;
 * otherwise the start is walked: the channels form gives the sample rate and the channels seen
 * (the samples when the first channel's values end in the sample); a bare array or an array of
 * rows gives its channels and an estimate of the samples from the bytes per value or row.
 */
export function probeJson(sample: Buffer, totalBytes: number | undefined): SignalProbe {
  if (totalBytes !== undefined && sample.length >= totalBytes) {
    const signal = parseJsonSignal(signalText(sample, 'json'), { limits: DEFAULT_INPUT_LIMITS });
    return probeOfSignal(signal, 'json');
  }
  const text = partialText(sample);
  const byteAt = (index: number) => Buffer.byteLength(text.slice(0, index), 'utf8');

  const root = /^[\s\ufeff]*(.)/.exec(text)?.[1];
  if (root === undefined) return { format: 'json', channels: [], channelsIncomplete: true };
  if (root !== '{' && root !== '[')
    throw AdapterError.unprocessable('a JSON signal is an object or an array');
  if (root === '{') return probeChannelsDocument(jsonEvents(text));
  return probeArray(jsonEvents(text), (items) => {
    if (totalBytes === undefined) return undefined;
    const [start, end] = [byteAt(items.start), byteAt(items.end)];
    return Math.round(((totalBytes - start) * items.count) / (end - start));
  });
}

function probeChannelsDocument(events: Iterable<JsonEvent>): SignalProbe {
  const keys: string[] = [];
  const channels: ChannelSeen[] = [];
  let channelsClosed = false;
  let sampleRateHz: number | undefined;
  let startTime: string | undefined;
  for (const event of events) {
    const inChannels = keys[1] === 'channels';
    const channel = channels.at(-1);
    if (event.kind === 'key') {
      keys[event.depth] = event.key;
    } else if (event.kind === 'open') {
      keys.length = event.depth + 1;
      if (event.depth === 2 && inChannels && event.container === 'object') {
        channels.push({ values: 0, valuesClosed: false });
      }
    } else if (event.kind === 'close') {
      if (event.depth === 1 && inChannels) channelsClosed = true;
      if (event.depth === 3 && inChannels && keys[3] === 'values' && channel) channel.valuesClosed = true;
    } else if (event.depth === 1) {
      if (keys[1] === 'sampleRateHz' && typeof event.value === 'number') sampleRateHz = event.value;
      if (keys[1] === 'startTime' && typeof event.value === 'string') startTime = event.value;
    } else if (event.depth === 3 && inChannels && channel) {
      if (keys[3] === 'name' && typeof event.value === 'string') channel.name = event.value;
      if (keys[3] === 'unit' && typeof event.value === 'string') channel.unit = event.value;
      if (keys[3] === 'sampleRateHz' && typeof event.value === 'number') channel.sampleRateHz = event.value;
    } else if (event.depth === 4 && inChannels && keys[3] === 'values' && channel) {
      channel.values++;
    }
  }

  const ownRates = channels.some((channel) => channel.sampleRateHz !== undefined);
  const samples = !ownRates && channels[0]?.valuesClosed ? channels[0].values : undefined;
  return {
    format: 'json',
    channels: channels.map((channel, i): SignalProbeChannel => ({
      name: channel.name ?? `ch${i + 1}`,
      ...(channel.unit === undefined ? {} : { unit: channel.unit }),
      ...(channel.sampleRateHz === undefined ? {} : { sampleRateHz: channel.sampleRateHz }),
    })),
    ...(channelsClosed ? {} : { channelsIncomplete: true }),
    ...(sampleRateHz === undefined ? {} : { sampleRateHz }),
    ...(samples === undefined ? {} : { samples }),
    ...(samples !== undefined && sampleRateHz !== undefined
      ? { durationS: roundDuration(samples / sampleRateHz) }
      : {}),
    ...(startTime === undefined ? {} : { startTime }),
  };
}

/** Counted items of an array: how many, from the start of the first to the end of the last. */
interface ItemSpan {
  count: number;
  start: number;
  end: number;
}

/** A bare numeric array (one channel) or an array of rows (one value per channel). */
function probeArray(
  events: Iterable<JsonEvent>,
  estimate: (items: ItemSpan) => number | undefined,
): SignalProbe {
  const numbers: ItemSpan = { count: 0, start: 0, end: 0 };
  const rows: ItemSpan = { count: 0, start: 0, end: 0 };
  let width = 0;
  for (const event of events) {
    if (event.kind === 'scalar' && event.depth === 1) {
      if (numbers.count++ === 0) numbers.start = event.start;
      numbers.end = event.end;
    } else if (event.kind === 'open' && event.depth === 1 && rows.count === 0) {
      rows.start = event.start;
    } else if (event.kind === 'scalar' && event.depth === 2 && rows.count === 0) {
      width++;
    } else if (event.kind === 'close' && event.depth === 1) {
      rows.count++;
      rows.end = event.end;
    }
  }
  const items = rows.count > 0 ? rows : numbers;
  const channels = rows.count > 0 ? width : numbers.count > 0 ? 1 : 0;
  const samples = items.count > 0 ? estimate(items) : undefined;
  return {
    format: 'json',
    channels: Array.from({ length: channels }, (_unused, i) => ({ name: `ch${i + 1}` })),
    ...(channels === 0 ? { channelsIncomplete: true } : {}),
    ...(samples === undefined ? {} : { samples, samplesEstimated: true }),
  };
}

/** The sample as text, an incomplete UTF-8 sequence at its end dropped. */
function partialText(sample: Buffer): string {
  if (sample.includes(0)) throw AdapterError.unprocessable('the signal is binary data, not JSON text');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch (error) {
    throw AdapterError.unprocessable('the signal is not valid UTF-8', error);
  }
}
