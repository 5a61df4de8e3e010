import { AdapterError } from '../sdk/adapter-error';

/**
 * The OpenAI error code a gateway answers (with 502) when a backend's embeddings are not vectors
 * it can trust: better a clear failure than a vector that is not the backend's.
 */
export const INVALID_BACKEND_EMBEDDING = 'invalid_backend_embedding';

/** Canonical base64 (padded, no whitespace): a linear check, no backtracking. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The vectors of an `/embeddings` answer, in input order, whichever encoding the backend chose:
 * OpenAI answers base64 when asked, but several compatible servers ignore `encoding_format` and
 * answer floats. Each vector must be an array of finite numbers, or base64 of little-endian
 * float32s (a byte length a multiple of 4) that are all finite; there must be one per text
 * (indices 0..count-1, each once), all of one length. Anything else throws an AdapterError
 * `adapter_failed` with OpenAI code INVALID_BACKEND_EMBEDDING: decoding a float array as base64
 * (what the `openai` client does when it asked for base64 itself) turns it into a wrong vector.
 */
export function backendVectors(data: unknown, count: number, adapterId: string): number[][] {
  const fail = (what: string) =>
    new AdapterError('adapter_failed', `${adapterId}: the backend's answer ${what}`, {
      // Another attempt or the next route may answer well; a malformed answer is the backend's fault.
      retryable: true,
      details: { openAiCode: INVALID_BACKEND_EMBEDDING },
    });
  if (!Array.isArray(data)) throw fail('has no data array');
  if (data.length !== count) throw fail(`has ${data.length} embeddings for ${count} texts`);
  const vectors: (number[] | undefined)[] = new Array<number[] | undefined>(count).fill(undefined);
  for (const [position, item] of data.entries()) {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    // A backend that leaves out `index` answers in input order.
    const at = index === undefined ? position : index;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= count || vectors[at]) {
      throw fail(`has a bad or repeated index (${String(at)}) at position ${position}`);
    }
    const vector = decodeVector(embedding);
    if (typeof vector === 'string') throw fail(`embedding ${at} ${vector}`);
    vectors[at] = vector;
  }
  const result = vectors as number[][];
  const length = result[0]!.length;
  const other = result.findIndex((vector) => vector.length !== length);
  if (other !== -1) {
    throw fail(`has embeddings of different lengths (${length} and ${result[other]!.length})`);
  }
  return result;
}

/** A vector from floats or base64 float32s, or what is wrong with it. */
function decodeVector(embedding: unknown): number[] | string {
  if (Array.isArray(embedding)) {
    if (embedding.length === 0) return 'is empty';
    const bad = embedding.findIndex((value) => typeof value !== 'number' || !Number.isFinite(value));
    return bad === -1 ? (embedding as number[]) : `has a non-number or non-finite value at ${bad}`;
  }
  if (typeof embedding !== 'string')
    return `is ${embedding === null ? 'null' : typeof embedding}, not a vector`;
  if (embedding.length === 0) return 'is empty';
  if (embedding.length % 4 !== 0 || !BASE64.test(embedding)) return 'is neither floats nor base64';
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length % 4 !== 0) {
    return `is ${bytes.length} bytes of base64, not a whole number of float32s`;
  }
  const vector = new Array<number>(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) {
    const value = bytes.readFloatLE(i * 4);
    if (!Number.isFinite(value)) return `has a non-finite float32 at ${i}`;
    vector[i] = value;
  }
  return vector;
}
