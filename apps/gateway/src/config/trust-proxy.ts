import { isIP } from 'node:net';

/**
 * Whose `X-Forwarded-For`/`-Host`/`-Proto` the gateway believes (TRUST_PROXY): nobody (`false`),
 * everybody (`true`), the N nearest hops, or the listed addresses and networks.
 */
export type TrustProxy = boolean | number | string[];

/** proxy-addr's names for common ranges, accepted in the list as Fastify accepts them. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Parses TRUST_PROXY; throws a message that names the bad entry (the caller adds the variable). */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 0 && hops <= 32) return hops;
    throw new Error(`a hop count is between 1 and 32, not ${v}`);
  }
  const entries = v.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (!isTrustedEntry(entry)) {
      throw new Error(
        `"${entry}" is not an IP address, a CIDR (10.0.0.0/8), or one of ${[...RANGE_NAMES].join(', ')}`,
      );
    }
  }
  return entries;
}

function isTrustedEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const family = isIP(entry.slice(0, slash));
  const suffix = entry.slice(slash + 1);
  if (family === 4 && isIP(suffix) === 4) return true; // a netmask: 10.0.0.0/255.0.0.0
  if (!/^\d{1,3}$/.test(suffix)) return false;
  const bits = Number(suffix);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/**
 * Fastify's `trustProxy`. A hop count becomes "the N nearest hops are proxies": this Fastify
 * treats a bare number as trusting no one's X-Forwarded-Host/-Proto, which is not what an operator
 * who wrote TRUST_PROXY=1 (every connection comes through one proxy) asked for.
 */
export function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}
