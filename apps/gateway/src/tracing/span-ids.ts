import { randomFillSync } from 'node:crypto';

/**
 * Random hex digits taken a little at a time: one randomFillSync call and one hex conversion per
 * 512 span ids, not one per id. An id is a slice of this string (V8 keeps a long enough slice as
 * a view of it, not a copy).
 */
const BYTES = Buffer.allocUnsafe(4096);
let pool = '';
let offset = 0;

const ZEROS = { 16: '0'.repeat(16), 32: '0'.repeat(32) };

/**
 * A new random id of `digits` hex digits (32 for a trace, 16 for a span), lowercase, never all
 * zeros (the W3C invalid id): the ids of the SDK's RandomIdGenerator, from the CSPRNG.
 */
function randomId(digits: 16 | 32): string {
  for (;;) {
    if (offset + digits > pool.length) {
      randomFillSync(BYTES);
      pool = BYTES.toString('hex');
      offset = 0;
    }
    const id = pool.slice(offset, (offset += digits));
    if (id !== ZEROS[digits]) return id;
  }
}

/** A new trace id: 32 lowercase hex digits. */
export const newTraceId = (): string => randomId(32);

/** A new span id: 16 lowercase hex digits. */
export const newSpanId = (): string => randomId(16);
