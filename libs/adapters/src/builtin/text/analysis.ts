import { CHINESE_STOP_CHARS, ENGLISH_STOP_WORDS, LATIN_LANGUAGE_MARKERS } from './stop-words';

/** Scripts told apart by `detectScript`, with their ISO 15924 codes. */
const SCRIPTS: readonly { name: string; code: string; pattern: RegExp }[] = [
  { name: 'Latin', code: 'Latn', pattern: /\p{Script=Latin}/u },
  { name: 'Han', code: 'Hani', pattern: /\p{Script=Han}/u },
  { name: 'Hiragana', code: 'Hira', pattern: /\p{Script=Hiragana}/u },
  { name: 'Katakana', code: 'Kana', pattern: /\p{Script=Katakana}/u },
  { name: 'Hangul', code: 'Hang', pattern: /\p{Script=Hangul}/u },
  { name: 'Cyrillic', code: 'Cyrl', pattern: /\p{Script=Cyrillic}/u },
  { name: 'Greek', code: 'Grek', pattern: /\p{Script=Greek}/u },
  { name: 'Arabic', code: 'Arab', pattern: /\p{Script=Arabic}/u },
  { name: 'Hebrew', code: 'Hebr', pattern: /\p{Script=Hebrew}/u },
  { name: 'Devanagari', code: 'Deva', pattern: /\p{Script=Devanagari}/u },
  { name: 'Bengali', code: 'Beng', pattern: /\p{Script=Bengali}/u },
  { name: 'Tamil', code: 'Taml', pattern: /\p{Script=Tamil}/u },
  { name: 'Thai', code: 'Thai', pattern: /\p{Script=Thai}/u },
  { name: 'Armenian', code: 'Armn', pattern: /\p{Script=Armenian}/u },
  { name: 'Georgian', code: 'Geor', pattern: /\p{Script=Georgian}/u },
];

/** Languages that follow from the script alone (the commonest language written in it). */
const LANGUAGE_OF_SCRIPT: Readonly<Record<string, [string, string]>> = {
  Greek: ['el', 'Greek'],
  Hebrew: ['he', 'Hebrew'],
  Devanagari: ['hi', 'Hindi'],
  Bengali: ['bn', 'Bengali'],
  Tamil: ['ta', 'Tamil'],
  Thai: ['th', 'Thai'],
  Armenian: ['hy', 'Armenian'],
  Georgian: ['ka', 'Georgian'],
  Hangul: ['ko', 'Korean'],
};

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+/gu;
const HIRAGANA = /\p{Script=Hiragana}/u;
const LETTER = /\p{L}/u;

const wordSegmenter = new Intl.Segmenter('und', { granularity: 'word' });
const sentenceSegmenter = new Intl.Segmenter('und', { granularity: 'sentence' });

export interface ScriptInfo {
  /** The script most letters are in ("Latin", "Han", ...), "Unknown" when there are no letters. */
  script: string;
  /** ISO 15924 code, "Zyyy" for unknown. */
  code: string;
  /** Letters per script, most first. */
  letters: Record<string, number>;
}

/** The script of most of the text's letters. Kana with Han counts as Japanese writing. */
export function detectScript(text: string): ScriptInfo {
  const counts = new Map<string, number>();
  let other = 0;
  for (const char of text) {
    if (!LETTER.test(char)) continue;
    const script = SCRIPTS.find((candidate) => candidate.pattern.test(char));
    if (script) counts.set(script.name, (counts.get(script.name) ?? 0) + 1);
    else other++;
  }
  if (other > 0) counts.set('Other', other);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const letters = Object.fromEntries(sorted);
  const kana = (counts.get('Hiragana') ?? 0) + (counts.get('Katakana') ?? 0);
  if (kana > 0 && kana + (counts.get('Han') ?? 0) >= (sorted[0]?.[1] ?? 0)) {
    return { script: 'Japanese', code: 'Jpan', letters };
  }
  const top = sorted[0]?.[0];
  const script = SCRIPTS.find((candidate) => candidate.name === top);
  return script
    ? { script: script.name, code: script.code, letters }
    : { script: 'Unknown', code: 'Zyyy', letters };
}

export interface LanguageGuess {
  /** ISO 639-1 code, "und" when it cannot be told. */
  language: string;
  name: string;
  script: string;
  /** 0..1, a rough measure of how clear the evidence was. */
  confidence: number;
}

/**
 * A cheap language guess: the script decides most languages; Latin-script text is told apart
 * by the share of the commonest words of English, French, German, Spanish, Italian,
 * Portuguese and Dutch; Cyrillic and Arabic by a few letters only some languages use.
 */
export function detectLanguage(text: string): LanguageGuess {
  const { script, letters } = detectScript(text);
  const total = Object.values(letters).reduce((sum, count) => sum + count, 0);
  const share = total === 0 ? 0 : (letters[script === 'Japanese' ? 'Han' : script] ?? 0) / total;
  const guess = (language: string, name: string, confidence: number): LanguageGuess => ({
    language,
    name,
    script,
    confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100,
  });

  switch (script) {
    case 'Unknown':
      return guess('und', 'Undetermined', 0);
    case 'Japanese':
      return guess('ja', 'Japanese', 0.9);
    case 'Han':
      return guess('zh', 'Chinese', 0.9 * share + 0.1);
    case 'Cyrillic':
      return /[іїєґ]/iu.test(text) ? guess('uk', 'Ukrainian', 0.8) : guess('ru', 'Russian', 0.7 * share);
    case 'Arabic':
      return /[پچژگ]/u.test(text) ? guess('fa', 'Persian', 0.8) : guess('ar', 'Arabic', 0.8 * share);
    case 'Latin':
      return latinLanguage(text, guess);
    default: {
      const known = LANGUAGE_OF_SCRIPT[script];
      return known ? guess(known[0], known[1], 0.9 * share) : guess('und', 'Undetermined', 0);
    }
  }
}

function latinLanguage(
  text: string,
  guess: (language: string, name: string, confidence: number) => LanguageGuess,
): LanguageGuess {
  const words = wordsOf(text).map((word) => word.toLowerCase());
  const scores = Object.entries(LATIN_LANGUAGE_MARKERS)
    .map(([code, { name, words: markers }]) => ({
      code,
      name,
      hits: words.filter((word) => markers.has(word)).length,
    }))
    .sort((a, b) => b.hits - a.hits);
  const [best, second] = scores;
  if (words.length === 0 || best.hits === 0) return guess('und', 'Undetermined', 0);
  // How much the best language leads, damped for texts with little evidence.
  const lead = (best.hits - second.hits) / best.hits;
  const evidence = Math.min(1, best.hits / 5);
  if (lead === 0) return guess('und', 'Undetermined', 0);
  return guess(best.code, best.name, (0.5 + 0.5 * lead) * evidence);
}

/** Word-like segments (Unicode word boundaries, with dictionary segmentation for CJK). */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const segment of wordSegmenter.segment(text)) {
    if (segment.isWordLike) words.push(segment.segment);
  }
  return words;
}

/** Sentences, trimmed, empty ones dropped; lines without final punctuation end a sentence too. */
export function sentencesOf(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)])\s)/)) {
    for (const segment of sentenceSegmenter.segment(paragraph.replace(/\s*\n\s*/g, ' '))) {
      const sentence = segment.segment.trim();
      if (sentence !== '') sentences.push(sentence);
    }
  }
  return sentences;
}

/**
 * Content terms: lower-cased words that are not English stop words and hold a letter; runs of
 * Chinese or Japanese characters become overlapping character bigrams (a lone character
 * stays as it is), skipping bigrams that hold a Chinese function character or hiragana.
 */
export function termsOf(text: string, stopWords: ReadonlySet<string> = stopWordsFor(text)): string[] {
  const terms: string[] = [];
  const pushWords = (part: string) => {
    for (const word of wordsOf(part)) {
      const term = word.toLowerCase();
      if (term.length >= 2 && LETTER.test(term) && !stopWords.has(term)) terms.push(term);
    }
  };
  let last = 0;
  for (const match of text.matchAll(CJK_RUN)) {
    pushWords(text.slice(last, match.index));
    last = match.index + match[0].length;
    const chars = [...match[0]];
    if (chars.length === 1) {
      if (!CHINESE_STOP_CHARS.has(chars[0]) && !HIRAGANA.test(chars[0])) terms.push(chars[0]);
      continue;
    }
    for (let i = 0; i + 1 < chars.length; i++) {
      const bigram = chars[i] + chars[i + 1];
      if (CHINESE_STOP_CHARS.has(chars[i]) || CHINESE_STOP_CHARS.has(chars[i + 1])) continue;
      // Hiragana is mostly particles and inflections in Japanese.
      if (HIRAGANA.test(bigram)) continue;
      terms.push(bigram);
    }
  }
  pushWords(text.slice(last));
  return terms;
}

/** English stop words, plus the commonest words of the text's language when it is another Latin-script one. */
export function stopWordsFor(text: string): ReadonlySet<string> {
  const { language } = detectLanguage(text);
  const markers = language === 'en' ? undefined : LATIN_LANGUAGE_MARKERS[language];
  return markers ? new Set([...ENGLISH_STOP_WORDS, ...markers.words]) : ENGLISH_STOP_WORDS;
}

export interface Keyword {
  term: string;
  count: number;
}

/** The commonest content terms, most frequent first; ties keep the order of first use. */
export function keywords(text: string, count: number): Keyword[] {
  const counts = new Map<string, number>();
  for (const term of termsOf(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return [...counts.entries()]
    .map(([term, n], order) => ({ term, count: n, order }))
    .sort((a, b) => b.count - a.count || a.order - b.order)
    .slice(0, count)
    .map(({ term, count: n }) => ({ term, count: n }));
}

/**
 * An extractive summary: each sentence scores the frequencies of its content terms (relative
 * to the commonest term), summed and divided by the square root of its term count so that
 * long sentences do not win by length alone; the best `count` are kept in their original order.
 */
export function summarize(text: string, count: number): string[] {
  const sentences = sentencesOf(text);
  if (sentences.length <= count) return sentences;
  const frequencies = new Map<string, number>();
  const stopWords = stopWordsFor(text);
  const termsBySentence = sentences.map((sentence) => termsOf(sentence, stopWords));
  for (const terms of termsBySentence) {
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  }
  const top = Math.max(1, ...frequencies.values());
  const scored = termsBySentence.map((terms, index) => {
    const sum = terms.reduce((total, term) => total + (frequencies.get(term) ?? 0) / top, 0);
    return { index, score: terms.length === 0 ? 0 : sum / Math.sqrt(terms.length) };
  });
  const kept = scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map(({ index }) => index)
    .sort((a, b) => a - b);
  return kept.map((index) => sentences[index]);
}

/** Joins sentences with a space, or with nothing after a CJK full stop. */
export function joinSentences(sentences: string[]): string {
  return sentences.reduce(
    (text, sentence) =>
      text === '' ? sentence : /[。！？」』）]$/u.test(text) ? text + sentence : `${text} ${sentence}`,
    '',
  );
}

export interface TextDescription {
  characters: number;
  bytes: number;
  lines: number;
  words: number;
  sentences: number;
  script: string;
  language: string;
  languageName: string;
}

export function describeText(text: string): TextDescription {
  const language = detectLanguage(text);
  const trimmed = text.replace(/\n$/, '');
  return {
    characters: [...text].length,
    bytes: Buffer.byteLength(text, 'utf8'),
    lines: trimmed === '' ? 0 : trimmed.split('\n').length,
    words: wordsOf(text).length,
    sentences: sentencesOf(text).length,
    script: language.script,
    language: language.language,
    languageName: language.name,
  };
}
