import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** A webhook url that must not be called: its message says why, and names no secret. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
}

/** Addresses a webhook never reaches unless WEBHOOK_ALLOW_PRIVATE is set. */
const PRIVATE_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['fc00::', 7, 'ipv6'], // unique local
  ['ff00::', 8, 'ipv6'], // multicast
  ['2001:db8::', 32, 'ipv6'], // documentation
];

const privateRanges = new BlockList();
for (const [network, prefix, family] of PRIVATE_RANGES) privateRanges.addSubnet(network, prefix, family);

/**
 * Whether an IP address is loopback, private, link-local, CGNAT, multicast, reserved or
 * unique-local. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as the IPv4 address they
 * carry (BlockList checks them against the IPv4 ranges). Not an IP address: true.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** Decides where a webhook may go: http(s) only, and public addresses unless allowed otherwise. */
export class WebhookAddressGuard {
  constructor(
    private readonly allowPrivate: boolean,
    private readonly lookup: Lookup = systemLookup,
  ) {}

  /**
   * Every address the url's host resolves to, all checked; the request must then connect to
   * one of these (not resolve again), so a DNS answer that changes cannot slip past the check.
   * Throws WebhookRefusedError for a url that must not be called; a failed lookup throws as is.
   */
  async resolve(url: string): Promise<LookupAddress[]> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new WebhookRefusedError('webhook.url is not a valid URL', { cause: err });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new WebhookRefusedError(`webhook.url must be http or https, not ${parsed.protocol.slice(0, -1)}`);
    }
    if (parsed.username || parsed.password) {
      throw new WebhookRefusedError('webhook.url must not carry credentials (sign with webhook.secret)');
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal }] : await this.lookup(host);
    if (addresses.length === 0) throw new Error(`webhook host ${host} has no address`);
    if (!this.allowPrivate) {
      const refused = addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        throw new WebhookRefusedError(
          `webhook.url ${host} resolves to ${refused.address}, a private, loopback or reserved address: refused (WEBHOOK_ALLOW_PRIVATE=true allows it)`,
        );
      }
    }
    return addresses;
  }
}
