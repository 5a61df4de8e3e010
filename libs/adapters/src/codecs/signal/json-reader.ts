import { AdapterError } from '../../sdk/adapter-error';
import type { InputLimits } from '../../sdk/input-limits';
import { JsonCursor } from './json-cursor';
import type { Signal, SignalChannel } from './signal';
import { checkChannelCount, checkSignalValues } from './signal-limits';

const FORMS =
  'a JSON signal is {"sampleRateHz", "channels": [{"name", "unit"?, "values": [...]}]}, ' +
  'an array of numbers (one channel) or an array of rows of numbers (one value per channel)';

/** A channel as the document declares it, its values counted. */
interface ChannelShape {
  name?: string;
  unit?: string;
  sampleRateHz?: number;
  length: number;
}

/** What the first pass over a document finds. */
interface SignalShape {
  sampleRateHz?: number;
  startTime?: string;
  channels: ChannelShape[];
}

/**
 * Reads a JSON signal: `{sampleRateHz?, startTime?, channels: [{name?, unit?, sampleRateHz?, values}]}`,
 * a bare numeric array (one channel), or an array of rows (samples x channels, like CSV lines).
 * The document's own sample rate wins over the caller's. Channels must have equal length unless
 * some carry their own `sampleRateHz` (channels sampled at different rates).
 *
 * The text is walked twice and never built as objects: the first walk checks the syntax and the
 * shape and counts the channels and values (against MAX_SIGNAL_CHANNELS and LIMIT_SIGNAL_VALUES,
 * stopping at the first one over); the second stores the numbers in arrays of exactly that size.
 */
export function parseJsonSignal(text: string, opts: { sampleRateHz?: number; limits: InputLimits }): Signal {
  const shape = new JsonSignalWalk(text, opts.limits).run();
  const { channels } = shape;
  const ownRates = channels.some((channel) => channel.sampleRateHz !== undefined);
  const odd = channels.find((channel) => channel.length !== channels[0].length);
  if (odd && !ownRates) {
    const name = (channel: ChannelShape) => channel.name ?? `ch${channels.indexOf(channel) + 1}`;
    throw AdapterError.unprocessable(
      `channels differ in length: "${name(channels[0])}" has ${channels[0].length} values, ` +
        `"${name(odd)}" has ${odd.length}`,
    );
  }

  const store = channels.map((channel) => new Float32Array(channel.length));
  new JsonSignalWalk(text, opts.limits, store).run();
  const signalChannels = channels.map(({ name, unit, sampleRateHz }, i): SignalChannel => ({
    name: name ?? `ch${i + 1}`,
    ...(unit === undefined ? {} : { unit }),
    ...(sampleRateHz === undefined ? {} : { sampleRateHz }),
    values: store[i],
  }));
  return {
    sampleRateHz: shape.sampleRateHz ?? opts.sampleRateHz,
    ...(shape.startTime === undefined ? {} : { startTime: shape.startTime }),
    channels: signalChannels,
  };
}

/** One walk over a JSON signal: counting (no `store`) or storing each value in `store[channel][index]`. */
class JsonSignalWalk {
  private readonly json: JsonCursor;
  private values = 0;

  constructor(
    text: string,
    private readonly limits: InputLimits,
    private readonly store?: Float32Array[],
  ) {
    this.json = new JsonCursor(text);
  }

  run(): SignalShape {
    const { json } = this;
    const first = json.peek();
    let shape: SignalShape;
    if (first === '[') shape = this.array();
    else if (first === '{') shape = this.document();
    else throw this.wrongValue('', 'expected an object or an array');
    json.expectEnd();
    return shape;
  }

  /** `[n, ...]` (one channel) or `[[n, ...], ...]` (rows). */
  private array(): SignalShape {
    const { json } = this;
    json.expect('[');
    if (json.eat(']')) throw AdapterError.unprocessable('the signal has no samples');
    if (json.peek() !== '[') {
      let count = 0;
      do {
        if (!this.sample(0, count)) throw this.wrongValue(`${count}`, 'expected a number');
        count++;
      } while (json.eat(','));
      json.expect(']');
      return { channels: [{ name: 'ch1', length: count }] };
    }
    let width: number | undefined;
    let rows = 0;
    do {
      if (json.peek() !== '[') throw this.wrongValue(`${rows}`, 'expected a row (an array of numbers)');
      json.expect('[');
      let count = 0;
      if (!json.eat(']')) {
        do {
          // The first row sets the channel count: stop at the first value past the most allowed.
          if (width === undefined) checkChannelCount(count + 1);
          if (!this.sample(count, rows)) throw this.wrongValue(`${rows}.${count}`, 'expected a number');
          count++;
        } while (json.eat(','));
        json.expect(']');
      }
      if (width === undefined) {
        if (count === 0) throw AdapterError.unprocessable(`the first row has no values; ${FORMS}`);
        width = count;
      } else if (count !== width) {
        throw AdapterError.unprocessable(`row ${rows + 1} has ${count} values, expected ${width}`);
      }
      rows++;
    } while (json.eat(','));
    json.expect(']');
    return {
      channels: Array.from({ length: width }, (_unused, c) => ({ name: `ch${c + 1}`, length: rows })),
    };
  }

  /** `{sampleRateHz?, startTime?, channels: [...]}`; other keys are skipped. */
  private document(): SignalShape {
    const shape: Partial<SignalShape> = {};
    this.object('', (key) => {
      if (key === 'sampleRateHz') shape.sampleRateHz = this.positiveNumber(key);
      else if (key === 'startTime') shape.startTime = this.nonEmptyString(key);
      else if (key === 'channels') shape.channels = this.channels();
      else return false;
      return true;
    });
    if (shape.channels === undefined) throw invalid('channels', 'missing');
    return shape as SignalShape;
  }

  private channels(): ChannelShape[] {
    const { json } = this;
    if (json.peek() !== '[') throw this.wrongValue('channels', 'expected an array of channels');
    json.expect('[');
    if (json.eat(']')) throw invalid('channels', 'expected at least one channel');
    const channels: ChannelShape[] = [];
    do {
      const i = channels.length;
      checkChannelCount(i + 1);
      const path = `channels.${i}`;
      const channel: Partial<ChannelShape> = {};
      this.object(path, (key) => {
        if (key === 'name' || key === 'unit') channel[key] = this.nonEmptyString(`${path}.${key}`);
        else if (key === 'sampleRateHz') channel.sampleRateHz = this.positiveNumber(`${path}.${key}`);
        else if (key === 'values') channel.length = this.channelValues(i);
        else return false;
        return true;
      });
      if (channel.length === undefined) throw invalid(`${path}.values`, 'missing');
      channels.push(channel as ChannelShape);
    } while (json.eat(','));
    json.expect(']');
    return channels;
  }

  private channelValues(channel: number): number {
    const { json } = this;
    const path = `channels.${channel}.values`;
    if (json.peek() !== '[') throw this.wrongValue(path, 'expected an array of numbers');
    json.expect('[');
    let count = 0;
    if (json.eat(']')) return 0;
    do {
      if (!this.sample(channel, count)) throw this.wrongValue(`${path}.${count}`, 'expected a number');
      count++;
    } while (json.eat(','));
    json.expect(']');
    return count;
  }

  /**
   * An object whose keys `field` reads (returning false for a key it does not know, whose value
   * is then skipped); a known key given twice is refused.
   */
  private object(path: string, field: (key: string) => boolean): void {
    const { json } = this;
    if (json.peek() !== '{') throw this.wrongValue(path, 'expected an object');
    json.expect('{');
    if (json.eat('}')) return;
    const seen = new Set<string>();
    do {
      if (json.peek() !== '"') throw json.syntax('expected a key');
      const key = json.string();
      json.expect(':');
      if (seen.has(key)) throw this.wrongValue(path === '' ? key : `${path}.${key}`, 'given twice');
      if (field(key)) seen.add(key);
      else json.skipValue();
    } while (json.eat(','));
    json.expect('}');
  }

  /**
   * One sample: counted against LIMIT_SIGNAL_VALUES, and stored on the second walk; false when
   * what comes next is not a number.
   */
  private sample(channel: number, index: number): boolean {
    const { json } = this;
    if (!json.atNumber()) return false;
    if (++this.values > this.limits.signalValues) checkSignalValues(this.limits, this.values);
    if (this.store) this.store[channel][index] = json.number();
    else json.skipNumber();
    return true;
  }

  private positiveNumber(path: string): number {
    const { json } = this;
    if (!json.atNumber()) throw this.wrongValue(path, 'expected a number');
    const value = json.number();
    if (!(value > 0 && Number.isFinite(value))) throw invalid(path, `${value} is not a positive number`);
    return value;
  }

  /**
   * The value that comes next, at `path`, is of the wrong kind. It is skipped first, so that
   * malformed JSON is reported as such (as JSON.parse would, before any check of the shape).
   */
  private wrongValue(path: string, problem: string): AdapterError {
    this.json.skipValue();
    return invalid(path, problem);
  }

  private nonEmptyString(path: string): string {
    const { json } = this;
    if (json.peek() !== '"') throw this.wrongValue(path, 'expected a string');
    const value = json.string();
    if (value === '') throw invalid(path, 'is empty');
    return value;
  }
}

function invalid(path: string, problem: string): AdapterError {
  return AdapterError.unprocessable(
    `invalid JSON signal${path === '' ? '' : ` at ${path}`}: ${problem}; ${FORMS}`,
  );
}
