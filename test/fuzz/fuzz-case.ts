/*
 * What a structure-aware fuzz case is, and the values every generator puts into header fields.
 * Generators (one module per format family) derive cases from a valid file by rewriting one
 * parsed field and serialising it again, so a failing case names the field and the value.
 */
import { INPUT_LIMIT_VARIABLES, type InputLimits } from '../../libs/adapters/src/sdk/input-limits';

/** What the gateway must answer a case with (on /v1/detect, and on /v1/infer unless `inferExpect` says otherwise). */
export type FuzzExpectation =
  /** 2xx: the input is valid, or damaged in a way a reader tolerates. */
  | 'ok'
  /** A 4xx refusal in the gateway's error shape. */
  | '4xx'
  /** A 2xx or a 4xx refusal: the outcome depends on how forgiving the reader is; only the bounds are checked. */
  | 'ok-or-4xx'
  /** Exactly this status and code, and for a 413 the LIMIT_ variable in `details.limit`. */
  | { status: number; code: string; limit?: string };

/** One input for the gateway, derived from a valid one. */
export interface FuzzCase {
  /** What was done, e.g. `PCD COUNT=2147483647` or `WAV data size > bytes`. */
  name: string;
  bytes: Buffer;
  /** Sent as the file part's content type (application/octet-stream when absent). */
  mediaType?: string;
  /** Sent as the file part's filename. */
  filename?: string;
  /** Sent as the input's `modality` hint (a WAV read as a signal). */
  modality?: string;
  /** The answer to /v1/detect. */
  expect: FuzzExpectation;
  /** The answer to /v1/infer, when it differs from `expect` (a decoder may find what the prober cannot). */
  inferExpect?: FuzzExpectation;
}

/** A megabyte, decimal: the length runs of white space and repeated tokens are grown to. */
export const MEGABYTE = 1_000_000;

/** 413 naming the variable of `limit`. */
export function overLimit(limit: keyof InputLimits): FuzzExpectation {
  return { status: 413, code: 'payload_too_large', limit: INPUT_LIMIT_VARIABLES[limit] };
}

/** 422 `unprocessable_input`: a file of a known format whose content cannot be read. */
export const UNPROCESSABLE: FuzzExpectation = { status: 422, code: 'unprocessable_input' };

/** The edges of the integer types a header number is read into, as decimal text. */
export const EDGE_NUMBERS: readonly { label: string; value: bigint }[] = [
  { label: '0', value: 0n },
  { label: '-1', value: -1n },
  { label: '1', value: 1n },
  { label: '2^31-1', value: 2n ** 31n - 1n },
  { label: '2^32-1', value: 2n ** 32n - 1n },
  { label: '2^63-1', value: 2n ** 63n - 1n },
];

/**
 * The limits the fuzz specs start their gateways with, and so the "just over" values of the
 * generators: low enough that an input really over a limit (not only one whose header says so)
 * is a few megabytes, high enough that every valid fixture and every 1 MB run is under them.
 */
export const FUZZ_LIMITS: Readonly<InputLimits> = {
  imagePixels: 100_000_000,
  mediaDurationS: 600,
  signalValues: 2_000_000,
  points: 100_000,
  textChars: 2_000_000,
};

/** FUZZ_LIMITS as the gateway's environment. */
export function fuzzLimitsEnv(): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(FUZZ_LIMITS) as (keyof InputLimits)[]).map((key) => [
      INPUT_LIMIT_VARIABLES[key],
      String(FUZZ_LIMITS[key]),
    ]),
  );
}

/** mulberry32: a small seeded generator, so a failing case replays from its seed (FUZZ_SEED). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of every random choice of the fuzz specs. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261212);

/**
 * A deterministic subset of about `count` cases, spread over the whole list (every k-th from a
 * seeded offset), for the expensive /v1/infer requests; cases named in `always` are kept.
 */
export function sample<T extends { name: string }>(
  cases: readonly T[],
  count: number,
  seed = FUZZ_SEED,
  always: (c: T) => boolean = () => false,
): T[] {
  if (cases.length <= count) return [...cases];
  const step = cases.length / count;
  const offset = seededRandom(seed)() * step;
  const picked = new Set<number>();
  for (let k = 0; k < count; k++) picked.add(Math.floor(offset + k * step));
  return cases.filter((c, i) => picked.has(i) || always(c));
}

/** Ends of `data` cut at each of `ends` (offsets strictly inside it), named `${label} cut at N (what)`. */
export function cutsAt(
  label: string,
  data: Buffer,
  ends: readonly { at: number; what: string }[],
  expect: FuzzExpectation,
): FuzzCase[] {
  const seen = new Set<number>();
  return ends
    .filter(({ at }) => at > 0 && at < data.length && !seen.has(at) && (seen.add(at), true))
    .map(({ at, what }) => ({
      name: `${label} cut at ${at} (${what})`,
      bytes: data.subarray(0, at),
      expect,
    }));
}
