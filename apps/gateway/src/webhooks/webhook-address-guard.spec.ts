import { describe, expect, it } from 'vitest';
import { isPrivateAddress, WebhookAddressGuard, WebhookRefusedError } from './webhook-address-guard';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '192.0.2.10',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    // IPv4-compatible, IPv4-translated and NAT64 forms of private IPv4 addresses
    '::7f00:1',
    '::127.0.0.1',
    '::a00:1',
    '::ffff:0:7f00:1',
    '::ffff:0:127.0.0.1',
    '::ffff:0:a9fe:a9fe',
    '64:ff9b::7f00:1',
    '64:ff9b::10.0.0.1',
    '64:ff9b::169.254.169.254',
    '64:ff9b:1::a00:1', // NAT64 local use: refused whole
    // 6to4 and Teredo tunnel to addresses that cannot be checked here: refused whole
    '2002:7f00:1::1',
    '2002:a00:1::1',
    '2002:808:808::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001::1',
    // discard, documentation, benchmarking, broadcast-ish and zoned link-local
    '100::1',
    '2001:db8::1',
    '3fff::1',
    '198.18.0.1',
    '192.88.99.1',
    'fe80::1%eth0',
    'not-an-ip',
    '',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.1.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8: how an IPv6-only network reaches it
    '::ffff:0:808:808',
  ])('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));
});

describe('WebhookAddressGuard', () => {
  const resolvingTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('returns every address of a public host', async () => {
    const guard = new WebhookAddressGuard(false, resolvingTo('93.184.215.14', '2606:2800:21f:cb07::1'));
    await expect(guard.resolve('https://example.com/hook')).resolves.toHaveLength(2);
  });

  it('refuses a host with any private address among its answers', async () => {
    const guard = new WebhookAddressGuard(false, resolvingTo('93.184.215.14', '10.0.0.5'));
    await expect(guard.resolve('https://example.com/hook')).rejects.toThrow(/10\.0\.0\.5.*refused/);
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://[::ffff:169.254.169.254]/latest',
    'http://localhost/hook',
  ])('refuses %s', async (url) => {
    const guard = new WebhookAddressGuard(false, resolvingTo('127.0.0.1'));
    await expect(guard.resolve(url)).rejects.toBeInstanceOf(WebhookRefusedError);
  });

  it.each([
    'http://0x7f.1/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://017700000001/hook',
    'http://127.0.0.1./hook',
    'http://0/hook',
    'http://[::7f00:1]/hook',
    'http://[::ffff:0:7f00:1]/hook',
    'http://[0:0:0:0:0:ffff:7f00:1]/hook',
    'http://[64:ff9b::a9fe:a9fe]/latest',
    'http://[2002:7f00:1::1]/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
  ])('refuses the address literal %s without a lookup', async (url) => {
    const guard = new WebhookAddressGuard(false, () => Promise.reject(new Error('looked up')));
    await expect(guard.resolve(url)).rejects.toThrow(/a private, loopback or reserved address: refused/);
  });

  it('refuses a name, trailing dot or not, that resolves to a private address', async () => {
    for (const url of ['https://hooks.example.com./x', 'https://hooks.example.com/x']) {
      const guard = new WebhookAddressGuard(false, resolvingTo('64:ff9b::10.1.2.3'));
      await expect(guard.resolve(url)).rejects.toThrow(/resolves to 64:ff9b::10\.1\.2\.3.*refused/);
    }
  });

  it('allows private addresses when configured to', async () => {
    const guard = new WebhookAddressGuard(true, resolvingTo('127.0.0.1'));
    await expect(guard.resolve('http://localhost:9/hook')).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
    ]);
  });

  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'https://user:pw@example.com/'])(
    'refuses %s whatever the address',
    async (url) => {
      const guard = new WebhookAddressGuard(true, resolvingTo('93.184.215.14'));
      await expect(guard.resolve(url)).rejects.toBeInstanceOf(WebhookRefusedError);
    },
  );
});
