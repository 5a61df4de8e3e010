import { describe, expect, it } from 'vitest';
import { TextOutput } from './text-output';

describe('TextOutput', () => {
  it('joins lines past one chunk (2^24 characters) into the bytes of their concatenation', () => {
    const line = `${'0.123456 '.repeat(7)}é\n`;
    const lines = Math.ceil((3 * 2 ** 24) / line.length);
    const output = new TextOutput('utf8');
    for (let i = 0; i < lines; i++) output.write(line);
    const bytes = output.toBuffer();
    const one = Buffer.from(line, 'utf8');
    expect(bytes.length).toBe(lines * one.length);
    expect(bytes.subarray(0, one.length).equals(one)).toBe(true);
    expect(bytes.subarray(bytes.length - one.length).equals(one)).toBe(true);
  });

  it('writes latin1 one byte a character, and nothing as no bytes', () => {
    const output = new TextOutput('latin1');
    output.write('ab\xff');
    expect([...output.toBuffer()]).toEqual([0x61, 0x62, 0xff]);
    expect(new TextOutput('utf8').toBuffer().length).toBe(0);
  });
});
