/*
 * LZF (Marc Lehmann's liblzf format), as PCL uses it for DATA binary_compressed. A stream is a
 * run of chunks, each starting with a control byte `c`:
 *   c < 32:  a literal run of c + 1 bytes follows;
 *   c >= 32: a back reference of length (c >> 5) + 2 (when c >> 5 is 7, the next byte adds to
 *            the length), to distance ((c & 31) << 8 | next byte) + 1 behind the output end.
 */

/** Longest back reference: 7 + 255 + 2 bytes. */
const MAX_REFERENCE = 264;
/** Farthest back reference: 13 bits of distance. */
const MAX_DISTANCE = 1 << 13;
const MAX_LITERAL_RUN = 32;
const HASH_BITS = 14;

/** Every 3 compressed bytes give at most MAX_REFERENCE bytes: a bound to check sizes against before allocating. */
export const LZF_MAX_EXPANSION = Math.ceil(MAX_REFERENCE / 3);

/** Thrown for a corrupt stream; callers turn it into an AdapterError. */
export class LzfError extends Error {
  override readonly name = 'LzfError';
}

/**
 * The length `input` expands to, every chunk checked (runs and references inside the input,
 * references after the output's start) without writing anything: so a stream that does not
 * expand to a declared size costs one pass over it and no memory.
 */
export function lzfDecodedLength(input: Uint8Array): number {
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const control = input[ip++];
    if (control < 32) {
      ip += control + 1;
      if (ip > input.length) throw new LzfError('literal run past the end of the input');
      op += control + 1;
      continue;
    }
    let length = control >> 5;
    if (length === 7) {
      if (ip >= input.length) throw new LzfError('back reference past the end of the input');
      length += input[ip++];
    }
    if (ip >= input.length) throw new LzfError('back reference past the end of the input');
    const distance = ((control & 0x1f) << 8) + input[ip++] + 1;
    if (distance > op) throw new LzfError('back reference before the start of the output');
    op += length + 2;
  }
  return op;
}

/**
 * Decompresses `input`, which must expand to exactly `outputLength` bytes: checked by
 * `lzfDecodedLength` before the output is allocated.
 */
export function lzfDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  if (
    !Number.isSafeInteger(outputLength) ||
    outputLength < 0 ||
    outputLength > input.length * LZF_MAX_EXPANSION
  ) {
    throw new LzfError(`${input.length} compressed bytes cannot expand to ${outputLength}`);
  }
  const decodedLength = lzfDecodedLength(input);
  if (decodedLength !== outputLength) {
    throw new LzfError(`stream expands to ${decodedLength} bytes, not the declared ${outputLength}`);
  }
  const output = new Uint8Array(outputLength);
  let ip = 0;
  let op = 0;
  // The stream was checked above: every run and reference is in bounds.
  while (ip < input.length) {
    const control = input[ip++];
    if (control < 32) {
      const length = control + 1;
      output.set(input.subarray(ip, ip + length), op);
      ip += length;
      op += length;
      continue;
    }
    let length = control >> 5;
    if (length === 7) length += input[ip++];
    let reference = op - ((control & 0x1f) << 8) - input[ip++] - 1;
    length += 2;
    // Byte by byte: a reference may overlap the bytes it produces (a repeated pattern).
    for (let end = op + length; op < end;) output[op++] = output[reference++];
  }
  return output;
}

/** Compresses `input` into an LZF stream that liblzf (and PCL) can read. */
export function lzfCompress(input: Uint8Array): Uint8Array {
  const n = input.length;
  // Worst case is all literals: one control byte per 32, plus the one reserved ahead.
  const output = new Uint8Array(n + Math.ceil(n / MAX_LITERAL_RUN) + 1);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let ip = 0;
  let op = 1; // output[0] is reserved for the first literal run's control byte
  let literals = 0;

  const closeLiterals = () => {
    if (literals > 0) output[op - literals - 1] = literals - 1;
    else op--; // the reserved control byte went unused
  };

  while (ip < n) {
    if (ip + 2 < n) {
      const hash =
        Math.imul((input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2], 0x9e3779b1) >>> (32 - HASH_BITS);
      const reference = table[hash];
      table[hash] = ip;
      const distance = ip - reference - 1;
      if (
        reference >= 0 &&
        distance < MAX_DISTANCE &&
        input[reference] === input[ip] &&
        input[reference + 1] === input[ip + 1] &&
        input[reference + 2] === input[ip + 2]
      ) {
        const maxLength = Math.min(MAX_REFERENCE, n - ip);
        let length = 3;
        while (length < maxLength && input[reference + length] === input[ip + length]) length++;
        closeLiterals();
        literals = 0;
        const code = length - 2;
        if (code < 7) {
          output[op++] = (distance >> 8) | (code << 5);
        } else {
          output[op++] = (distance >> 8) | (7 << 5);
          output[op++] = code - 7;
        }
        output[op++] = distance & 0xff;
        op++; // reserve the next literal run's control byte
        ip += length;
        continue;
      }
    }
    output[op++] = input[ip++];
    literals++;
    if (literals === MAX_LITERAL_RUN) {
      closeLiterals();
      literals = 0;
      op++;
    }
  }
  closeLiterals();
  return output.subarray(0, op);
}
