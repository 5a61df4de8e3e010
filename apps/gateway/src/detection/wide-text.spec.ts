import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test/fixtures';
import { wideTextEncoding } from './wide-text';

const english = fixture('text/english.txt').toString('utf8');
const chinese = fixture('text/chinese.txt').toString('utf8');

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

function utf32(text: string, littleEndian: boolean): Buffer {
  const codes = [...text].map((c) => c.codePointAt(0) ?? 0);
  const out = Buffer.alloc(codes.length * 4);
  codes.forEach((code, i) =>
    littleEndian ? out.writeUInt32LE(code, i * 4) : out.writeUInt32BE(code, i * 4),
  );
  return out;
}

describe('wideTextEncoding', () => {
  it.each([
    ['UTF-16LE', 'English', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(english, 'utf16le')])],
    ['UTF-16LE', 'Chinese', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(chinese, 'utf16le')])],
    ['UTF-16BE', 'English', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(english)])],
    ['UTF-32LE', 'Chinese', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32(chinese, true)])],
    ['UTF-32BE', 'English', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32(english, false)])],
  ])('reads %s (%s text) from its byte-order mark', (encoding, _text, sample) => {
    expect(wideTextEncoding(sample)).toBe(encoding);
  });

  it.each([
    ['UTF-8 text', Buffer.from(english)],
    ['a mark and nothing else', Buffer.from([0xff, 0xfe])],
    [
      'a mark and random bytes (an MPEG frame header passes for one)',
      Buffer.concat([Buffer.from([0xff, 0xfe]), randomBytes(1024)]),
    ],
    ['the MP3 fixture', fixture('audio/jfk.mp3')],
  ])('is undefined for %s', (_what, sample) => {
    expect(wideTextEncoding(sample)).toBeUndefined();
  });
});
