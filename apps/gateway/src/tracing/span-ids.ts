import { randomFillSync } from 'node:crypto';

/**
 * Ids as 32-bit words (a span's two, a trace's four), random from the CSPRNG: the ids of the
 * SDK's RandomIdGenerator, never all zeros (the W3C invalid id). A span keeps its ids as words,
 * which the export packs as the bytes they are without reading hex digits back; the hex digits
 * are made only for what needs them (a `traceparent`, a span context).
 *
 * The words are signed (what `| 0` makes of them), so that each is a small integer to V8, kept in
 * the object that holds it: one unsigned word over 2^31 in a field makes V8 keep that field of
 * every object of its class as a heap number of its own (four more allocations a span). The
 * export's batch has them unsigned (span-data.ts).
 */
const WORDS = new Int32Array(16_384);
let taken = WORDS.length;

/**
 * A random (signed) word: one randomFillSync call per 16,384 of them (64 KB, about 1,000 calls' spans).
 * The CSPRNG's cost is mostly per call: here 7 µs to fill 1,024 words, 15 µs to fill 16,384.
 */
export function randomWord(): number {
  if (taken === WORDS.length) {
    randomFillSync(WORDS);
    taken = 0;
  }
  return WORDS[taken++];
}

/** The hex digits' character codes. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where ids' hex digits are written, to be read as one string (one allocation, no concatenation). */
const TEXT = Buffer.allocUnsafe(55);

/** A word's 8 lowercase hex digits into TEXT from `at`. */
function putWord(at: number, word: number): void {
  for (let shift = 28; shift >= 0; shift -= 4) TEXT[at++] = HEX[(word >>> shift) & 0xf];
}

/** A span id's 16 lowercase hex digits, from its two words. */
export function spanIdHex(high: number, low: number): string {
  putWord(0, high);
  putWord(8, low);
  return TEXT.toString('latin1', 0, 16);
}

/** The W3C `traceparent` (version 00, sampled unless said) naming a span of `trace` by its id's words. */
export function traceparentOf(trace: TraceId, high: number, low: number, sampled = true): string {
  TEXT[0] = ZERO;
  TEXT[1] = ZERO;
  TEXT[2] = DASH;
  putWord(3, trace.w0);
  putWord(11, trace.w1);
  putWord(19, trace.w2);
  putWord(27, trace.w3);
  TEXT[35] = DASH;
  putWord(36, high);
  putWord(44, low);
  TEXT[52] = DASH;
  TEXT[53] = ZERO;
  TEXT[54] = sampled ? ZERO + 1 : ZERO;
  return TEXT.toString('latin1', 0, 55);
}

const DASH = 45;
const ZERO = 48;

/** Values of hex digits (either case, as the SDK's hexToBinary reads them) by character code. */
export const HEX_VALUES = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUES['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** The (signed) word 8 hex digits from `at` stand for (the caller has checked they are hex digits). */
export function wordOfHex(hex: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) word = (word << 4) | HEX_VALUES[hex.charCodeAt(i) & 0x7f];
  return word;
}

/** Values of lowercase hex digits by character code; -1 for any other character. */
const LOWER = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) LOWER['0123456789abcdef'.charCodeAt(digit)] = digit;

/**
 * The word `digits` lowercase hex digits from `at` stand for (at most 8), unsigned, or -1 if one
 * is not such a digit.
 */
export function lowerHexWord(text: string, at: number, digits = 8): number {
  let word = 0;
  for (let i = at; i < at + digits; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? LOWER[code] : -1;
    if (value < 0) return -1;
    word = (word << 4) | value;
  }
  return word >>> 0;
}

/**
 * A trace's id: its four words (signed, as above; unsigned ones name the same id), shared by the
 * spans of the trace in this process, and its hex digits once asked for.
 */
export class TraceId {
  private digits?: string;

  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    hex?: string,
  ) {
    this.digits = hex;
  }

  /** 32 lowercase hex digits (or those it was read from). */
  get hex(): string {
    if (this.digits === undefined) {
      putWord(0, this.w0);
      putWord(8, this.w1);
      putWord(16, this.w2);
      putWord(24, this.w3);
      this.digits = TEXT.toString('latin1', 0, 32);
    }
    return this.digits;
  }

  /** A new random trace id. */
  static random(): TraceId {
    for (;;) {
      const id = new TraceId(randomWord(), randomWord(), randomWord(), randomWord());
      if ((id.w0 | id.w1 | id.w2 | id.w3) !== 0) return id;
    }
  }

  /** The id 32 hex digits (already checked) stand for. */
  static fromHex(hex: string): TraceId {
    return new TraceId(wordOfHex(hex, 0), wordOfHex(hex, 8), wordOfHex(hex, 16), wordOfHex(hex, 24), hex);
  }
}

/** A random word for a span id's low half: not zero when its high half is (an id is never all zeros). */
export function randomLowWord(high: number): number {
  for (;;) {
    const low = randomWord();
    if ((high | low) !== 0) return low;
  }
}
