import { describe, expect, it } from 'vitest';
import { SERVED_BYTES_CSP, servedBytesHeaders } from './served-bytes-headers';

describe('servedBytesHeaders', () => {
  it.each([
    'text/html',
    'TEXT/HTML; charset=utf-8',
    'image/svg+xml',
    'application/xhtml+xml',
    'application/xml',
    'text/xml',
    'text/javascript',
    'application/javascript',
    'application/pdf',
    'text/css',
    'multipart/x-mixed-replace; boundary=x',
    'application/octet-stream',
  ])('makes %s a download', (type) => {
    expect(servedBytesHeaders(type, 'page.html')).toEqual({
      'content-type': type,
      'content-security-policy': SERVED_BYTES_CSP,
      'content-disposition': 'attachment; filename="page.html"',
    });
  });

  it.each([
    'image/png',
    'image/webp',
    'audio/mpeg',
    'video/mp4',
    'text/plain; charset=utf-8',
    'application/json',
  ])('shows %s inline, sandboxed', (type) => {
    expect(servedBytesHeaders(type)).toEqual({
      'content-type': type,
      'content-security-policy': SERVED_BYTES_CSP,
    });
    expect(servedBytesHeaders(type, 'a b.png')['content-disposition']).toBe('inline; filename="a%20b.png"');
  });

  it.each(['', 'html', 'text/html, image/png', 'text/ html', 'image/png\u0001'])(
    'sends a type that is not a media type (%j) as an octet-stream download',
    (type) => {
      expect(servedBytesHeaders(type)).toMatchObject({
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment',
      });
    },
  );

  it('drops parameters that could not be a header value', () => {
    expect(servedBytesHeaders('text/plain; name=é')['content-type']).toBe('text/plain');
  });
});
