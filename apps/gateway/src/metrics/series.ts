import type { Metric, Registry } from 'prom-client';

/** A label value as the request path has it: a status may stay a number until its series is made. */
export type LabelValue = string | number;

interface Config {
  name: string;
  help: string;
  /** At most three: a series is found through one Map a label. */
  labelNames?: readonly string[];
}

/** What prom-client's registry reads of a metric: one value, its labels and the shared ones. */
interface Value {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
}

/**
 * The series of a family, found by their label values through one Map a label (no label object
 * and no string made per count, unlike prom-client's, which hashes its labels into a string on
 * every count), each made on first use and kept. The family is a metric of prom-client's registry
 * (its `get` and `getForPromString` answer as prom-client's own metrics do), so the exposition is
 * prom-client's. For the counts on every request's path; label values stay bounded by the callers.
 */
abstract class Family<S extends { labels: Record<string, string> }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  protected readonly labelNames: readonly string[];
  protected series: S[] = [];
  private root = new Map<LabelValue, unknown>();

  constructor(
    registry: Registry,
    config: Config,
    private readonly make: (labels: Record<string, string>) => S,
  ) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    if (this.labelNames.length > 3) throw new Error(`${this.name}: at most three labels`);
    // A label-less one is shown (at zero) from the start, as prom-client's are.
    if (this.labelNames.length === 0) this.at();
    registry.registerMetric(this as unknown as Metric);
  }

  abstract readonly type: 'counter' | 'histogram';

  /** The series of these label values, in labelNames' order (made on first use). */
  at(a: LabelValue = '', b: LabelValue = '', c: LabelValue = ''): S {
    const depth = this.labelNames.length;
    let level = this.root;
    for (let i = 1; i < depth; i++) {
      const key = i === 1 ? a : b;
      let next = level.get(key) as Map<LabelValue, unknown> | undefined;
      if (next === undefined) level.set(key, (next = new Map()));
      level = next;
    }
    // A label-less family's one series is under ''.
    const last = depth <= 1 ? a : depth === 2 ? b : c;
    const found = level.get(last) as S | undefined;
    if (found) return found;
    const labels: Record<string, string> = {};
    const values = [a, b, c];
    for (let i = 0; i < depth; i++) labels[this.labelNames[i]!] = String(values[i]);
    const made = this.make(labels);
    level.set(last, made);
    this.series.push(made);
    return made;
  }

  /** For the registry's resetMetrics(): every series gone, as prom-client's reset does. */
  reset(): void {
    this.root = new Map();
    this.series = [];
  }

  /** For the registry's JSON: values with their labels merged, as prom-client's metrics give them. */
  async get() {
    const { values, ...rest } = await this.getForPromString();
    return {
      ...rest,
      values: values.map(({ labels, sharedLabels, ...value }) => ({
        ...value,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  /** For the registry's text exposition. */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Value[];
    aggregator: string;
  }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values: this.values(),
      aggregator: this.aggregator,
    });
  }

  protected abstract values(): Value[];
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}

  inc(by = 1): void {
    if (!(by >= 0) || by === Infinity)
      throw new Error(`a counter only goes up by a finite amount, not ${by}`);
    this.value += by;
  }
}

/** A counter: `at(...labelValues).inc(n)`. */
export class SeriesCounter extends Family<CounterSeries> {
  readonly type = 'counter';

  constructor(registry: Registry, config: Config) {
    super(registry, config, (labels) => new CounterSeries(labels));
  }

  /** As prom-client's: a label-less counter is back at zero, still shown. */
  override reset(): void {
    super.reset();
    if (this.labelNames.length === 0) this.at();
  }

  protected values(): Value[] {
    return this.series.map(({ labels, value }) => ({ labels, value }));
  }
}

export class HistogramSeries {
  /** Observations in each bucket alone (not cumulated), the last past every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** A histogram: `at(...labelValues).observe(seconds)`. */
export class SeriesHistogram extends Family<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(registry: Registry, config: Config & { buckets: readonly number[] }) {
    const bounds = [...config.buckets].sort((x, y) => x - y);
    super(registry, config, (labels) => new HistogramSeries(labels, bounds));
    this.bounds = bounds;
  }

  protected values(): Value[] {
    const bucket = `${this.name}_bucket`;
    const values: Value[] = [];
    for (const { labels, counts, sum, count } of this.series) {
      let cumulated = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulated += counts[i]!;
        values.push({
          labels: { le: this.bounds[i]! },
          sharedLabels: labels,
          value: cumulated,
          metricName: bucket,
        });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: bucket },
        { labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` },
      );
    }
    return values;
  }
}

/**
 * The series of a one-label family for each of `values`, made at once (shown at zero from the
 * start, so that a rate() has a series before the first count) and kept by value.
 */
export function seriesFor<V extends string, S extends { labels: Record<string, string> }>(
  family: { at(value: V): S },
  values: readonly V[],
): Record<V, S> {
  const series = {} as Record<V, S>;
  for (const value of values) series[value] = family.at(value);
  return series;
}
