/**
 * Words and sentences of any size of text in time linear in its length. V8's `Intl.Segmenter`
 * (Node 20) is quadratic in the length of the string it is given (400 KB of prose: over a minute),
 * so it only ever sees pieces of a bounded length, cut where a cut changes nothing or little: after
 * a sentence's end, else at whitespace, else after CJK punctuation.
 */

/**
 * Longest strings handed to the segmenters. Each segment costs time in proportion to the string's
 * length, so shorter is faster down to about 1 KB, where the cost per segment stops falling (400 KB
 * of prose: 0.16 s of words at 1 KB, 0.7 s at 4 KB). Sentences are fewer, and a cut inside a long
 * one splits it in two, so they get longer pieces.
 */
const WORD_PIECE_LENGTH = 1024;
const SENTENCE_PIECE_LENGTH = 4096;

/** Word-like segments hold a letter or a number. */
const MAY_BE_WORD = /[\p{L}\p{N}]/u;

const wordSegmenter = new Intl.Segmenter('und', { granularity: 'word' });
const sentenceSegmenter = new Intl.Segmenter('und', { granularity: 'sentence' });

/** How good a cut after this character is: 3 after a sentence's end, 2 at whitespace, 1 after CJK punctuation, 0 none. */
function cutQuality(text: string, index: number): number {
  const char = text.charCodeAt(index);
  switch (char) {
    case 0x3002: // 。
    case 0xff01: // ！
    case 0xff1f: // ？
      return 3;
    case 0x2e: // .
    case 0x21: // !
    case 0x3f: // ?
      return isSpace(text.charCodeAt(index + 1)) ? 3 : 0;
    case 0xff0c: // ，
    case 0x3001: // 、
    case 0xff1b: // ；
    case 0xff1a: // ：
      return 1;
    default:
      return isSpace(char) ? 2 : 0;
  }
}

/** The whitespace that `String.prototype.trim` removes (the same set as `\s`). */
function isSpace(char: number): boolean {
  if (char <= 0x20) return char === 0x20 || (char >= 0x09 && char <= 0x0d);
  if (char < 0xa0) return false;
  return (
    char === 0xa0 ||
    char === 0x1680 ||
    (char >= 0x2000 && char <= 0x200a) ||
    char === 0x2028 ||
    char === 0x2029 ||
    char === 0x202f ||
    char === 0x205f ||
    char === 0x3000 ||
    char === 0xfeff
  );
}

/**
 * Consecutive pieces of `text`, each at most `length` code units, together the whole text. Each cut
 * is the best one (see `cutQuality`) in the second half of the piece, nearest its end; a piece
 * without any is cut at its end, never inside a surrogate pair. Every piece but the last is at
 * least half as long as `length` and its cut is found by looking at most at that half, so the
 * total work is linear in the text's length.
 */
export function* piecesOf(text: string, length: number): Generator<string> {
  let start = 0;
  while (text.length - start > length) {
    const end = start + length;
    let cut = end;
    let best = 0;
    for (let i = end - 1; i >= start + length / 2 && best < 3; i--) {
      const quality = cutQuality(text, i);
      if (quality > best) {
        best = quality;
        cut = i + 1;
      }
    }
    if (best === 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    yield text.slice(start, cut);
    start = cut;
  }
  if (start < text.length) yield text.slice(start);
}

export const isHighSurrogate = (char: number): boolean => char >= 0xd800 && char <= 0xdbff;

/** Word-like segments (Unicode word boundaries, with dictionary segmentation for CJK). */
export function wordsOf(text: string): string[] {
  return wordsOfEach([text])[0];
}

/**
 * The words of each of many texts, in one pass of the segmenter over them all: they are joined
 * by newlines, which always separate words, so each text's words are those it has on its own.
 * Many small texts cost no more than one text of their total length.
 */
export function wordsOfEach(texts: readonly string[]): string[][] {
  const words = texts.map((): string[] => []);
  // Where each text starts in the joined string; `current` only moves forward.
  const starts: number[] = [];
  let length = 0;
  for (const text of texts) {
    starts.push(length);
    length += text.length + 1;
  }
  let current = 0;
  let offset = 0;
  for (const piece of piecesOf(texts.join('\n'), WORD_PIECE_LENGTH)) {
    // Whitespace, punctuation and symbols cost as much to segment as words do, and hold none.
    if (MAY_BE_WORD.test(piece)) {
      for (const segment of wordSegmenter.segment(piece)) {
        if (!segment.isWordLike) continue;
        const at = offset + segment.index;
        while (current + 1 < starts.length && starts[current + 1] <= at) current++;
        words[current].push(segment.segment);
      }
    }
    offset += piece.length;
  }
  return words;
}

/**
 * Sentences, trimmed, empty ones dropped. A blank line ends a paragraph, and so does a line that
 * starts a list item, a heading or a quote; a sentence never runs from one paragraph into the
 * next, and the line breaks inside a paragraph are spaces.
 */
export function sentencesOf(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of paragraphsOf(text)) {
    for (const piece of piecesOf(paragraph, SENTENCE_PIECE_LENGTH)) {
      for (const segment of sentenceSegmenter.segment(piece)) {
        const sentence = segment.segment.trim();
        if (sentence !== '') sentences.push(sentence);
      }
    }
  }
  return sentences;
}

/** Paragraphs as `sentencesOf` sees them: their lines trimmed and joined with a space. */
export function paragraphsOf(text: string): string[] {
  const paragraphs: string[] = [];
  let lines: string[] = [];
  const close = () => {
    if (lines.length > 0) paragraphs.push(lines.join(' '));
    lines = [];
  };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      close();
      continue;
    }
    if (startsBlock(trimmed)) close();
    lines.push(trimmed);
  }
  close();
  return paragraphs;
}

/** `- item`, `* item`, `# heading`, `> quote`, `1. item`, `2) item`: a marker, then whitespace. */
function startsBlock(line: string): boolean {
  let i = 0;
  const first = line.charCodeAt(0);
  if (first === 0x2d || first === 0x2a || first === 0x23 || first === 0x3e) {
    i = 1;
  } else {
    while (isDigit(line.charCodeAt(i))) i++;
    if (i === 0 || (line.charCodeAt(i) !== 0x2e && line.charCodeAt(i) !== 0x29)) return false;
    i++;
  }
  return isSpace(line.charCodeAt(i));
}

const isDigit = (char: number) => char >= 0x30 && char <= 0x39;
