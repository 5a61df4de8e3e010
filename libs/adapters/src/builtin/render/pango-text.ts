/** Escapes the characters Pango markup gives meaning to, so text is drawn literally. */
export function escapePangoMarkup(text: string): string {
  return text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'));
}

/**
 * Text as Pango can lay it out: CRLF and CR become LF, and control characters other than
 * tab and newline (which Pango markup rejects or draws as boxes) are dropped.
 */
export function printableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/**
 * Longest run of text without a break opportunity that Pango gets: it wraps a longer word at its
 * characters in time quadratic in the word's length (64 KB of one word at a narrow width: 68 s).
 */
const MAX_UNBROKEN = 64;
const ZERO_WIDTH_SPACE = '\u200b';
/** Combining marks (variation selectors among them) and skin tones never start a character of their own. */
const CONTINUES_CLUSTER = /^[\p{M}\p{Emoji_Modifier}]/u;

/**
 * The text with an invisible break opportunity (U+200B) after every MAX_UNBROKEN code units that
 * have none, placed between two characters (never inside a surrogate pair, before a combining
 * mark or around a joiner), so that Pango wraps a huge word in linear time; it draws the same.
 */
export function breakLongRuns(text: string): string {
  const pieces: string[] = [];
  let run = 0;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x200b || /\s/.test(text[i])) {
      run = 0;
      continue;
    }
    if (run >= MAX_UNBROKEN && startsCharacter(text, i)) {
      pieces.push(text.slice(last, i), ZERO_WIDTH_SPACE);
      last = i;
      run = 0;
    }
    run++;
  }
  pieces.push(text.slice(last));
  return pieces.join('');
}

function startsCharacter(text: string, i: number): boolean {
  const char = text.charCodeAt(i);
  const isLowSurrogate = char >= 0xdc00 && char <= 0xdfff;
  // Neither side of a zero-width joiner.
  if (isLowSurrogate || char === 0x200d || text.charCodeAt(i - 1) === 0x200d) return false;
  return !CONTINUES_CLUSTER.test(text.slice(i, i + 2));
}
