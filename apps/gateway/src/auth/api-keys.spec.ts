import { describe, expect, it } from 'vitest';
import { ApiKeyring, ApiKeysError, parseApiKeys, sha256Hex } from './api-keys';

const SECRET = 'og-test-secret-0123456789';

describe('parseApiKeys', () => {
  it('hashes plain keys and keeps sha256 entries, lowercased', () => {
    const digest = sha256Hex('another-secret-abcdef');
    const keys = parseApiKeys(
      JSON.stringify([
        {
          name: 'app',
          key: SECRET,
          scopes: ['infer', 'infer', 'batch'],
          rateLimit: { requests: 5, perSeconds: 60 },
        },
        { name: 'ops', sha256: digest.toUpperCase(), scopes: ['admin'] },
      ]),
    );
    expect(keys).toEqual([
      {
        name: 'app',
        sha256: sha256Hex(SECRET),
        scopes: ['infer', 'batch'],
        rateLimit: { requests: 5, perSeconds: 60 },
      },
      { name: 'ops', sha256: digest, scopes: ['admin'] },
    ]);
    expect(JSON.stringify(keys)).not.toContain(SECRET);
  });

  it.each([
    ['not JSON', `[{"name":"a","key":"${SECRET}"`, /API_KEYS is not valid JSON/],
    ['not a list', '{}', /API_KEYS: /],
    [
      'both key and sha256',
      [{ name: 'a', key: SECRET, sha256: sha256Hex(SECRET), scopes: ['infer'] }],
      /API_KEYS\.0: give exactly one/,
    ],
    ['neither', [{ name: 'a', scopes: ['infer'] }], /API_KEYS\.0: give exactly one/],
    ['an unknown scope', [{ name: 'a', key: SECRET, scopes: ['root'] }], /API_KEYS\.0\.scopes\.0/],
    ['no scopes', [{ name: 'a', key: SECRET, scopes: [] }], /API_KEYS\.0\.scopes/],
    [
      'a short key',
      [{ name: 'a', key: 'short', scopes: ['infer'] }],
      /API_KEYS\.0\.key: must be at least 16/,
    ],
    [
      'a bad digest',
      [{ name: 'a', sha256: 'abc', scopes: ['infer'] }],
      /API_KEYS\.0\.sha256: must be 64 hex/,
    ],
    ['a bad name', [{ name: 'a b', key: SECRET, scopes: ['infer'] }], /API_KEYS\.0\.name/],
    ['an unknown field', [{ name: 'a', key: SECRET, scopes: ['infer'], scope: 'x' }], /API_KEYS\.0: .*scope/],
    [
      'a zero rate',
      [{ name: 'a', key: SECRET, scopes: ['infer'], rateLimit: { requests: 0, perSeconds: 1 } }],
      /API_KEYS\.0\.rateLimit\.requests/,
    ],
    [
      'a duplicate name',
      [
        { name: 'a', key: SECRET, scopes: ['infer'] },
        { name: 'a', key: `${SECRET}x`, scopes: ['infer'] },
      ],
      /API_KEYS\.1\.name: "a" is used twice/,
    ],
    [
      'the same key twice',
      [
        { name: 'a', key: SECRET, scopes: ['infer'] },
        { name: 'b', sha256: sha256Hex(SECRET), scopes: ['admin'] },
      ],
      /API_KEYS\.1: entries "a" and "b" have the same key/,
    ],
  ])('refuses %s, naming API_KEYS and the field but never the key', (_case, value, message) => {
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    let error: unknown;
    try {
      parseApiKeys(raw);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiKeysError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('ApiKeyring', () => {
  const keys = parseApiKeys(
    JSON.stringify([
      { name: 'app', key: SECRET, scopes: ['infer'] },
      { name: 'ops', sha256: sha256Hex('ops-secret-0123456789'), scopes: ['admin'] },
    ]),
  );
  const ring = new ApiKeyring(keys);

  it('finds a key by its secret, whether configured plain or as sha256', () => {
    expect(ring.size).toBe(2);
    expect(ring.find(SECRET)?.name).toBe('app');
    expect(ring.find('ops-secret-0123456789')?.name).toBe('ops');
  });

  it('finds nothing for an unknown, empty, prefix or digest secret', () => {
    expect(ring.find('nope')).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
    expect(ring.find(SECRET.slice(0, -1))).toBeUndefined();
    expect(ring.find(sha256Hex(SECRET))).toBeUndefined();
  });

  it('compares against every digest, never stopping at the first match', () => {
    const seen: string[] = [];
    const spied = new ApiKeyring(keys);
    const entries = (spied as unknown as { entries: { key: { name: string }; digest: Buffer }[] }).entries;
    for (const entry of entries) {
      const digest = entry.digest;
      Object.defineProperty(entry, 'digest', {
        get: () => {
          seen.push(entry.key.name);
          return digest;
        },
      });
    }
    expect(spied.find(SECRET)?.name).toBe('app');
    expect(seen).toEqual(['app', 'ops']);
  });
});
