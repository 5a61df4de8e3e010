import { createReadStream } from 'node:fs';
import type { ProbeSource } from '../media-prober';
import type { TextMeta } from './probe-meta';

const LINE_FEED = 0x0a;

/**
 * Length and lines of UTF-8 text counted from its bytes, chunk by chunk, so that a large upload
 * is measured without being decoded or held whole. Length is in UTF-16 code units (what
 * `string.length` gives once decoded): one per sequence, two for a 4-byte (astral) one.
 */
export class TextCounter {
  private length = 0;
  private lineFeeds = 0;
  private bytes = 0;
  private lastByte = -1;

  push(chunk: Buffer): void {
    let length = 0;
    let lineFeeds = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if ((byte & 0xc0) !== 0x80) length += byte >= 0xf0 ? 2 : 1;
      if (byte === LINE_FEED) lineFeeds++;
    }
    this.length += length;
    this.lineFeeds += lineFeeds;
    this.bytes += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
  }

  result(): Pick<TextMeta, 'length' | 'lines' | 'bytes'> {
    const unterminated = this.bytes > 0 && this.lastByte !== LINE_FEED ? 1 : 0;
    return { length: this.length, lines: this.lineFeeds + unterminated, bytes: this.bytes };
  }
}

/** Scripts worth naming, most common first (the first match wins for each letter). */
const SCRIPTS = [
  'Latin',
  'Han',
  'Cyrillic',
  'Arabic',
  'Devanagari',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Greek',
  'Hebrew',
  'Thai',
  'Bengali',
  'Tamil',
  'Telugu',
  'Gujarati',
  'Gurmukhi',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Armenian',
  'Georgian',
  'Ethiopic',
  'Khmer',
  'Lao',
  'Myanmar',
  'Tibetan',
  'Mongolian',
  'Syriac',
  'Thaana',
] as const;

const SCRIPT_PATTERNS = SCRIPTS.map((name) => ({ name, pattern: new RegExp(`^\\p{Script=${name}}$`, 'u') }));
const LETTER = /^\p{L}$/u;

/**
 * The script most letters of `text` are written in, or undefined when it has no letters of a
 * named script (digits and punctuation belong to none). A guess from a sample, not a language.
 */
export function dominantScript(text: string): string | undefined {
  const counts = new Map<string, number>();
  let previous: (typeof SCRIPT_PATTERNS)[number] | undefined;
  for (const char of text) {
    if (!LETTER.test(char)) continue;
    // Letters come in runs of one script: try the last one before scanning the list.
    const match = previous?.pattern.test(char)
      ? previous
      : SCRIPT_PATTERNS.find(({ pattern }) => pattern.test(char));
    if (!match) continue;
    previous = match;
    counts.set(match.name, (counts.get(match.name) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [name, count] of counts) {
    if (count > bestCount) [best, bestCount] = [name, count];
  }
  return best;
}

/**
 * Length, lines and bytes of the whole text (from the sample when it is the whole text, else
 * streamed from the local file, else read), and the dominant script of the sample.
 */
export async function probeText(source: ProbeSource): Promise<TextMeta> {
  const counter = new TextCounter();
  if (source.totalBytes <= source.sample.length) {
    counter.push(source.sample);
  } else if (source.localPath) {
    for await (const chunk of createReadStream(source.localPath)) counter.push(chunk as Buffer);
  } else {
    counter.push(await source.read());
  }
  // A multibyte sequence cut at the end of the sample decodes to U+FFFD, which is no letter.
  const script = dominantScript(source.sample.toString('utf8'));
  return { ...counter.result(), ...(script ? { script } : {}) };
}
