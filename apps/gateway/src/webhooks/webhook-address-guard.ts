import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A webhook url that must not be called: its message says why, and names no secret. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
}

/**
 * IPv6 ranges whose last 32 bits are an IPv4 address that the packet ends up at: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`, RFC 6145), NAT64's well-known prefix
 * (`64:ff9b::/96`, RFC 6052) and the deprecated IPv4-compatible form (`::a.b.c.d`). Each is
 * judged by the IPv4 address it carries.
 */
const CARRIES_IPV4 = ['::ffff:0:0/96', '::ffff:0:0:0/96', '64:ff9b::/96', '::/96'].map((cidr) =>
  ipaddr.IPv6.parseCIDR(cidr),
);

/**
 * Whether a webhook must not go to an IP address: anything but a global unicast address is
 * refused (ipaddr.js's ranges: loopback, private, link-local and cloud metadata, CGNAT,
 * multicast, broadcast, documentation, benchmarking, reserved, unique-local, discard, ...).
 * IPv6 forms that carry an IPv4 address count as that address; 6to4 (`2002::/16`), Teredo
 * (`2001::/32`) and NAT64 local-use (`64:ff9b:1::/48`) tunnel to addresses that cannot be
 * checked from here and are refused whole. Not an IP address: true.
 */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  const ip = ipaddr.parse(address);
  const reached = ip.kind() === 'ipv6' ? (carriedIpv4(ip as ipaddr.IPv6) ?? ip) : ip;
  return reached.range() !== 'unicast';
}

function carriedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (!CARRIES_IPV4.some((range) => ip.match(range))) return undefined;
  const [high = 0, low = 0] = ip.parts.slice(6);
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
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
