import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * What a key may do. Scopes are explicit: `admin` does not imply `infer` or `batch`; `metrics`
 * reads `/metrics` only (which `admin` reads too).
 */
export const API_KEY_SCOPES = ['infer', 'batch', 'admin', 'metrics'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A fixed window: at most `requests` per `perSeconds`, counted across every gateway process. */
export interface ApiKeyRateLimit {
  requests: number;
  perSeconds: number;
}

/** One configured key, held only as the sha256 of its secret. */
export interface ApiKey {
  name: string;
  /** sha256 of the key, lowercase hex. */
  sha256: string;
  scopes: ApiKeyScope[];
  rateLimit?: ApiKeyRateLimit;
}

const Sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the sha256 of the key)');

const ApiKeyEntrySchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores'),
    key: z.string().min(16, 'must be at least 16 characters').optional(),
    sha256: Sha256Hex.optional(),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
    rateLimit: z
      .strictObject({
        requests: z.number().int().min(1),
        perSeconds: z.number().int().min(1).max(86_400),
      })
      .optional(),
  })
  .refine((e) => (e.key === undefined) !== (e.sha256 === undefined), {
    message: 'give exactly one of key and sha256',
  });

/** Why API_KEYS was refused; the message names the variable and the field, never a key. */
export class ApiKeysError extends Error {
  override readonly name = 'ApiKeysError';
}

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Parses `API_KEYS` (a JSON list of `{name, key | sha256, scopes, rateLimit?}`) and hashes every
 * plain key at once. Errors carry no `cause`: JSON.parse and zod messages may quote the input.
 */
export function parseApiKeys(raw: string): ApiKey[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiKeysError('API_KEYS is not valid JSON (a list of {name, key or sha256, scopes, rateLimit})');
  }
  const parsed = z.array(ApiKeyEntrySchema).safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${['API_KEYS', ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ');
    throw new ApiKeysError(`API_KEYS is invalid: ${issues}`);
  }
  const keys = parsed.data.map((e): ApiKey => ({
    name: e.name,
    // The refine above guarantees one of the two.
    sha256: e.sha256 !== undefined ? e.sha256.toLowerCase() : sha256Hex(e.key as string),
    scopes: [...new Set(e.scopes)],
    ...(e.rateLimit ? { rateLimit: e.rateLimit } : {}),
  }));
  const seenNames = new Map<string, number>();
  const seenDigests = new Map<string, string>();
  keys.forEach((k, i) => {
    const dupName = seenNames.get(k.name);
    if (dupName !== undefined) {
      throw new ApiKeysError(`API_KEYS.${i}.name: "${k.name}" is used twice (also entry ${dupName})`);
    }
    seenNames.set(k.name, i);
    const dupKey = seenDigests.get(k.sha256);
    if (dupKey !== undefined) {
      throw new ApiKeysError(`API_KEYS.${i}: entries "${dupKey}" and "${k.name}" have the same key`);
    }
    seenDigests.set(k.sha256, k.name);
  });
  return keys;
}

/** The configured keys, looked up by a presented secret in constant time. */
export class ApiKeyring {
  private readonly entries: { key: ApiKey; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((key) => ({ key, digest: Buffer.from(key.sha256, 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The key whose secret this is, or undefined. The secret is hashed once and compared with every
   * digest (no early exit), so the time taken says nothing about which key, if any, is near.
   */
  find(secret: string): ApiKey | undefined {
    const presented = createHash('sha256').update(secret, 'utf8').digest();
    let found: ApiKey | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.key;
    }
    return found;
  }
}
