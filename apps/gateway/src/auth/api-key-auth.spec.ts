import { describe, expect, it } from 'vitest';
import { basicPassword, bearerToken } from './api-key-auth';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER  abc ', 'abc'],
    [undefined, undefined],
    ['', undefined],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('basicPassword', () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

  it.each([
    [basic('ops:og-key-0123456789abcdef'), 'og-key-0123456789abcdef'],
    [basic(':og-key'), 'og-key'],
    // Only the first colon separates the user name: a password may hold more.
    [basic('ops:a:b'), 'a:b'],
    [basic('ops:clé'), 'clé'],
    [`basic  ${Buffer.from('u:k').toString('base64')} `, 'k'],
    [basic('ops:'), undefined],
    [basic('og-key-without-colon'), undefined],
    ['Basic', undefined],
    ['Basic not base64!', undefined],
    ['Bearer og-key', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, password) => {
    expect(basicPassword(header)).toBe(password);
  });
});
