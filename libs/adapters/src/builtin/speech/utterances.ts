/**
 * Flite reads a text one utterance at a time, and the cost of an utterance grows much faster than
 * its length: 600 words without a full stop took 50 s, and 300 words, or one number of 300
 * digits, overran flite's stack and crashed the process. So no utterance it gets is long: every
 * token is cut to MAX_TOKEN_LENGTH characters, and a blank line (an utterance break to flite) goes
 * after a sentence once an utterance holds SOFT_UTTERANCE_LENGTH characters, and anywhere between
 * words at MAX_UTTERANCE_LENGTH. A number of MAX_TOKEN_LENGTH digits is read as some thirty
 * words, so MAX_UTTERANCE_LENGTH characters stay well under the words that broke flite.
 */
const MAX_TOKEN_LENGTH = 20;
const SOFT_UTTERANCE_LENGTH = 60;
const MAX_UTTERANCE_LENGTH = 100;
/** What flite takes as the end of an utterance. */
const BREAK = '\n\n';
const SENTENCE_END = new Set(['.', '!', '?', ':']);

/** The text as flite should get it: the same words, in utterances of bounded length. In time linear in its length. */
export function boundedUtterances(text: string): string {
  const out: string[] = [];
  // Characters, spaces not counted, since the last break.
  let length = 0;
  for (const { token, blankLineBefore } of tokensOf(text)) {
    if (blankLineBefore && length > 0) {
      out.push(BREAK);
      length = 0;
    }
    for (const piece of piecesOf(token)) {
      const fits = length + piece.length <= MAX_UTTERANCE_LENGTH;
      if (length > 0) out.push(fits ? ' ' : BREAK);
      if (!fits) length = 0;
      out.push(piece);
      length += piece.length;
    }
    if (length >= SOFT_UTTERANCE_LENGTH && SENTENCE_END.has(token[token.length - 1])) {
      out.push(BREAK);
      length = 0;
    }
  }
  return out.join('').trim();
}

/** The runs of text between whitespace, and whether a blank line (two newlines) comes before each. */
function* tokensOf(text: string): Generator<{ token: string; blankLineBefore: boolean }> {
  let i = 0;
  while (i < text.length) {
    let newlines = 0;
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') newlines++;
      i++;
    }
    const start = i;
    while (i < text.length && !/\s/.test(text[i])) i++;
    if (i > start) yield { token: text.slice(start, i), blankLineBefore: newlines >= 2 };
  }
}

/** A token in pieces of at most MAX_TOKEN_LENGTH code points. */
function piecesOf(token: string): string[] {
  if (token.length <= MAX_TOKEN_LENGTH) return [token];
  const chars = Array.from(token);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += MAX_TOKEN_LENGTH) {
    pieces.push(chars.slice(i, i + MAX_TOKEN_LENGTH).join(''));
  }
  return pieces;
}
