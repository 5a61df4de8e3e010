import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ProbeSource } from '../media-prober';
import { DETECTION_SAMPLE_BYTES } from '../modality-detector';
import { dominantScript, probeText, TextCounter } from './text-probe';

function count(text: string, chunkBytes = Infinity) {
  const bytes = Buffer.from(text, 'utf8');
  const counter = new TextCounter();
  for (let at = 0; at < bytes.length; at += Math.min(chunkBytes, bytes.length)) {
    counter.push(bytes.subarray(at, at + chunkBytes));
  }
  return counter.result();
}

describe('TextCounter', () => {
  it.each([
    ['', 0],
    ['one line', 1],
    ['one line\n', 1],
    ['two\nlines', 2],
    ['two\r\nlines\r\n', 2],
    ['\n', 1],
    ['\n\n', 2],
  ])('counts the lines of %j as %i', (text, lines) => {
    expect(count(text).lines).toBe(lines);
  });

  it('counts length as JavaScript does (UTF-16 code units), from bytes cut anywhere', () => {
    const text = 'naïve café 中文 and 🙂 emoji 𝄞\n'.repeat(50);
    for (const chunkBytes of [1, 2, 3, 7, 64, Infinity]) {
      expect(count(text, chunkBytes)).toEqual({
        length: text.length,
        lines: 50,
        bytes: Buffer.byteLength(text),
      });
    }
  });
});

describe('dominantScript', () => {
  it.each([
    ['The quick brown fox', 'Latin'],
    ['Съешь же ещё этих мягких французских булок', 'Cyrillic'],
    ['هذا نص عربي قصير', 'Arabic'],
    ['这是一个简短的中文句子，包含一些 English words', 'Han'],
    ['Καλημέρα κόσμε', 'Greek'],
    ['שלום עולם', 'Hebrew'],
    ['안녕하세요 세계', 'Hangul'],
    ['नमस्ते दुनिया', 'Devanagari'],
    ['สวัสดีชาวโลก', 'Thai'],
    ['{"a": 1, "b": [2, 3]} English', 'Latin'],
  ])('%s → %s', (text, script) => {
    expect(dominantScript(text)).toBe(script);
  });

  it('is undefined without letters', () => {
    expect(dominantScript('1, 2, 3 — 42!\n')).toBeUndefined();
  });

  it('counts only letters of the named scripts, each distinct letter looked up once', () => {
    // Cherokee is not named: its letters were searched through the whole list, one by one.
    expect(dominantScript('ᏣᎳᎩ '.repeat(16_000))).toBeUndefined();
    expect(dominantScript('ᏣᎳᎩ '.repeat(16_000) + 'Жж')).toBe('Cyrillic');
    expect(dominantScript('한국어 ab '.repeat(1000))).toBe('Hangul');
  });
});

describe('probeText', () => {
  const text = 'Строка номер один, with some Latin\r\n'.repeat(4000) + 'last line without a break 🙂';
  const content = Buffer.from(text, 'utf8');
  const expected = { length: text.length, lines: 4001, bytes: content.length, script: 'Cyrillic' };

  function sourceOf(localPath?: string): ProbeSource & { read: ReturnType<typeof vi.fn> } {
    return {
      sample: content.subarray(0, DETECTION_SAMPLE_BYTES),
      totalBytes: content.length,
      ...(localPath ? { localPath } : {}),
      read: vi.fn(async () => content),
    };
  }

  it('measures text larger than the sample from the local file, in chunks', async () => {
    expect(content.length).toBeGreaterThan(DETECTION_SAMPLE_BYTES);
    const dir = await mkdtemp(join(tmpdir(), 'probe-spec-'));
    try {
      await writeFile(join(dir, 'text.txt'), content);
      const source = sourceOf(join(dir, 'text.txt'));
      expect(await probeText(source)).toEqual(expected);
      expect(source.read).not.toHaveBeenCalled();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('measures it through read() when there is no local file', async () => {
    const source = sourceOf();
    expect(await probeText(source)).toEqual(expected);
    expect(source.read).toHaveBeenCalledOnce();
  });

  it('measures a text within the sample from the sample alone', async () => {
    const small = Buffer.from('hello\nworld\n', 'utf8');
    const read = vi.fn(async () => small);
    expect(await probeText({ sample: small, totalBytes: small.length, read })).toEqual({
      length: 12,
      lines: 2,
      bytes: 12,
      script: 'Latin',
    });
    expect(read).not.toHaveBeenCalled();
  });
});
