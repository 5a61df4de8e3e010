/** One channel of a parsed signal: its values, one per `x` of the {@link SignalData}. */
export interface SignalChannel {
  name: string;
  unit?: string;
  /** NaN where the file had no number (drawn as a gap). */
  values: Float32Array;
}

/** A signal as the plot draws it: a shared, ascending x and one series per channel. */
export interface SignalData {
  /** Seconds from the start (or from the Unix epoch when `absoluteTime`), or the sample index. */
  x: Float64Array;
  /** What x is: `time (s)` or `sample`. */
  xLabel: string;
  absoluteTime: boolean;
  channels: SignalChannel[];
  /** Samples (rows) the file held. */
  samples: number;
  /**
   * Samples each kept pair of points stands for (1: every sample kept). A file too long to keep
   * whole is reduced as it is read to the min and max of each block, so its shape survives.
   */
  decimation: number;
  sampleRateHz?: number;
}

/** Hints from the gateway's detection (its `meta`) that a file alone may not say. */
export interface SignalHints {
  sampleRateHz?: number;
  timeColumn?: string;
  channelNames?: string[];
}

/** The most blocks kept in memory per signal: past it, neighbours merge (min of mins, max of maxes). */
export const MAX_BLOCKS = 1 << 20;

/**
 * Takes samples one time step at a time and keeps at most `cap` blocks: each block the min and max
 * of `k` consecutive samples per channel, `k` doubling whenever the blocks would overflow. Memory
 * stays bounded whatever the file's length, and every sample is kept when it fits.
 */
export class Decimator {
  private k = 1;
  private n = 0;
  private xs: Float64Array;
  private mins: Float32Array[];
  private maxs: Float32Array[] | undefined;
  private count = 0;
  private curX = 0;
  private readonly curMin: Float64Array;
  private readonly curMax: Float64Array;
  private lastX = 0;
  samples = 0;

  constructor(
    readonly channels: number,
    private readonly cap = MAX_BLOCKS,
  ) {
    const initial = Math.min(4096, cap);
    this.xs = new Float64Array(initial);
    this.mins = Array.from({ length: channels }, () => new Float32Array(initial));
    this.curMin = new Float64Array(channels);
    this.curMax = new Float64Array(channels);
  }

  /** One time step: its x (ascending) and a value per channel (NaN for none). */
  push(x: number, values: ArrayLike<number>): void {
    if (this.count === 0) {
      this.curX = x;
      this.curMin.fill(NaN);
      this.curMax.fill(NaN);
    }
    for (let c = 0; c < this.channels; c++) {
      const v = values[c];
      if (Number.isNaN(v)) continue;
      if (!(this.curMin[c] <= v)) this.curMin[c] = v;
      if (!(this.curMax[c] >= v)) this.curMax[c] = v;
    }
    this.lastX = x;
    this.samples++;
    if (++this.count === this.k) this.commit();
  }

  private commit(): void {
    if (this.n === this.cap) this.halve();
    if (this.n === this.xs.length) this.grow();
    this.xs[this.n] = this.curX;
    for (let c = 0; c < this.channels; c++) {
      this.mins[c][this.n] = this.curMin[c];
      if (this.maxs) this.maxs[c][this.n] = this.curMax[c];
    }
    this.n++;
    this.count = 0;
  }

  private grow(): void {
    const size = Math.min(this.cap, this.xs.length * 2);
    const bigger64 = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    const bigger32 = (a: Float32Array) => {
      const b = new Float32Array(size);
      b.set(a);
      return b;
    };
    this.xs = bigger64(this.xs);
    this.mins = this.mins.map(bigger32);
    this.maxs = this.maxs?.map(bigger32);
  }

  /** Merges neighbouring blocks: half as many, each twice as long. */
  private halve(): void {
    this.maxs ??= this.mins.map((m) => m.slice());
    const half = this.n >> 1;
    for (let i = 0; i < half; i++) {
      this.xs[i] = this.xs[2 * i];
      for (let c = 0; c < this.channels; c++) {
        this.mins[c][i] = nanMin(this.mins[c][2 * i], this.mins[c][2 * i + 1]);
        this.maxs[c][i] = nanMax(this.maxs[c][2 * i], this.maxs[c][2 * i + 1]);
      }
    }
    this.n = half;
    this.k *= 2;
  }

  /** The kept points: every sample, or two points (min then max) per block. */
  finish(): { x: Float64Array; values: Float32Array[]; decimation: number } {
    if (this.count > 0) this.commit();
    const n = this.n;
    if (!this.maxs)
      return { x: this.xs.slice(0, n), values: this.mins.map((m) => m.slice(0, n)), decimation: 1 };
    const x = new Float64Array(2 * n);
    const values = this.mins.map(() => new Float32Array(2 * n));
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? this.xs[i + 1] : this.lastX;
      x[2 * i] = this.xs[i];
      x[2 * i + 1] = (this.xs[i] + next) / 2;
      for (let c = 0; c < this.channels; c++) {
        values[c][2 * i] = this.mins[c][i];
        values[c][2 * i + 1] = this.maxs[c][i];
      }
    }
    return { x, values, decimation: this.k };
  }
}

function nanMin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}
