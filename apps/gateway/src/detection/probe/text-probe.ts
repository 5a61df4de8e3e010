import { createReadStream } from 'node:fs';
import type { ProbeSource } from '../media-prober';
import type { TextMeta } from './probe-meta';
import { extended } from '../../common/extended';

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
/** A letter of one of the named scripts: one test says whether the list needs searching at all. */
const NAMED_LETTER = new RegExp(
  `^(?=\\p{L})[${SCRIPTS.map((name) => `\\p{Script=${name}}`).join('')}]$`,
  'u',
);

/**
 * The script most letters of `text` are written in, or undefined when it has no letters of a
 * named script (digits and punctuation belong to none). A guess from a sample, not a language.
 * Each distinct letter is looked up in the list once, so a sample costs one test per character
 * and one search per distinct letter, whatever its scripts.
 */
export function dominantScript(text: string): string | undefined {
  const scriptOf = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const char of text) {
    if (!NAMED_LETTER.test(char)) continue;
    let name = scriptOf.get(char);
    if (name === undefined) {
      name = SCRIPT_PATTERNS.find(({ pattern }) => pattern.test(char))?.name ?? '';
      scriptOf.set(char, name);
    }
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [name, count] of counts) {
    if (count > bestCount) [best, bestCount] = [name, count];
  }
  return best;
}

/** The script is guessed from this much of the sample: plenty for a guess, and a few ms at most. */
const SCRIPT_SAMPLE_BYTES = 16 * 1024;

/**
 * Length, lines and bytes of the whole text (from the sample when it is the whole text, else
 * streamed from the local file, else read), and the dominant script of the sample's start.
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
  const script = dominantScript(source.sample.toString('utf8', 0, SCRIPT_SAMPLE_BYTES));
  return extended(counter.result(), script ? { script } : {});
}
