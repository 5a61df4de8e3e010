import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';
import { fastifyTrustProxy, parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    [' 10.0.0.0/8 , ::1, fd00::/8 ', ['10.0.0.0/8', '::1', 'fd00::/8']],
    ['10.0.0.0/255.0.0.0', ['10.0.0.0/255.0.0.0']],
    ['loopback,uniquelocal,linklocal', ['loopback', 'uniquelocal', 'linklocal']],
  ])('reads %j', (value, trust) => {
    expect(parseTrustProxy(value)).toEqual(trust);
  });

  it.each([
    '0',
    '33',
    'yes',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0/8',
    'proxy.internal',
    '10.0.0.1,',
    '1.2.3.4/x',
  ])('refuses %j', (value) => {
    expect(() => parseTrustProxy(value)).toThrow();
  });

  it('makes a hop count trust that many hops, the nearest first', () => {
    const trust = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => trust('203.0.113.9', hop))).toEqual([true, true, false]);
  });
});

describe('TRUST_PROXY', () => {
  it('trusts nobody by default', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
  });

  it('stops start-up with the variable name and the bad entry', () => {
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.1,proxy' })).toThrow(/TRUST_PROXY: "proxy" is not an IP/);
  });
});
