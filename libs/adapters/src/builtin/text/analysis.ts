import { isHighSurrogate, sentencesOf, wordsOf, wordsOfEach } from './segmentation';
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
  // A text uses few distinct characters: each is looked up once (null: not a letter; '': another script).
  const scriptOf = new Map<string, string | null>();
  for (const char of text) {
    let script = scriptOf.get(char);
    if (script === undefined) {
      script = LETTER.test(char)
        ? (SCRIPTS.find((candidate) => candidate.pattern.test(char))?.name ?? '')
        : null;
      scriptOf.set(char, script);
    }
    if (script === '') other++;
    else if (script !== null) counts.set(script, (counts.get(script) ?? 0) + 1);
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
 * `words` are the text's words (`wordsOf`) when the caller has them already.
 */
export function detectLanguage(text: string, words?: readonly string[]): LanguageGuess {
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
      return latinLanguage(words ?? wordsOf(text), guess);
    default: {
      const known = LANGUAGE_OF_SCRIPT[script];
      return known ? guess(known[0], known[1], 0.9 * share) : guess('und', 'Undetermined', 0);
    }
  }
}

function latinLanguage(
  textWords: readonly string[],
  guess: (language: string, name: string, confidence: number) => LanguageGuess,
): LanguageGuess {
  const words = textWords.map((word) => word.toLowerCase());
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

/**
 * Content terms: lower-cased words that are not English stop words and hold a letter; runs of
 * Chinese or Japanese characters become overlapping character bigrams (a lone character
 * stays as it is), skipping bigrams that hold a Chinese function character or hiragana.
 */
export function termsOf(text: string): string[] {
  const source = termSourceOf(text);
  return termsFrom(source, stopWordsFor(text, latinWordsOf([source])));
}

/** A text split for term extraction: its CJK runs, and the words before, between and after them. */
interface TermSource {
  /** The words before each run, and after the last one: one more entry than `runs`. */
  wordsByGap: string[][];
  runs: string[];
}

function termSourceOf(text: string): TermSource {
  const gaps: string[] = [];
  const runs: string[] = [];
  let last = 0;
  for (const match of text.matchAll(CJK_RUN)) {
    gaps.push(text.slice(last, match.index));
    runs.push(match[0]);
    last = match.index + match[0].length;
  }
  gaps.push(text.slice(last));
  return { wordsByGap: wordsOfEach(gaps), runs };
}

/** The words outside CJK runs: every Latin-script word, enough to tell a Latin-script language by. */
function latinWordsOf(sources: readonly TermSource[]): string[] {
  const words: string[] = [];
  for (const { wordsByGap } of sources) {
    for (const gap of wordsByGap) for (const word of gap) words.push(word);
  }
  return words;
}

function termsFrom({ wordsByGap, runs }: TermSource, stopWords: ReadonlySet<string>): string[] {
  const terms: string[] = [];
  for (let gap = 0; gap < wordsByGap.length; gap++) {
    for (const word of wordsByGap[gap]) {
      const term = word.toLowerCase();
      if (term.length >= 2 && LETTER.test(term) && !stopWords.has(term)) terms.push(term);
    }
    if (gap < runs.length) pushBigrams(runs[gap], terms);
  }
  return terms;
}

/** A CJK run's overlapping character bigrams (a lone character as it is), without function characters or hiragana. */
function pushBigrams(run: string, terms: string[]): void {
  const chars = [...run];
  if (chars.length === 1) {
    if (!CHINESE_STOP_CHARS.has(chars[0]) && !HIRAGANA.test(chars[0])) terms.push(chars[0]);
    return;
  }
  for (let i = 0; i + 1 < chars.length; i++) {
    const bigram = chars[i] + chars[i + 1];
    if (CHINESE_STOP_CHARS.has(chars[i]) || CHINESE_STOP_CHARS.has(chars[i + 1])) continue;
    // Hiragana is mostly particles and inflections in Japanese.
    if (HIRAGANA.test(bigram)) continue;
    terms.push(bigram);
  }
}

/** English stop words, plus the commonest words of the text's language when it is another Latin-script one. */
export function stopWordsFor(text: string, words?: readonly string[]): ReadonlySet<string> {
  const { language } = detectLanguage(text, words);
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

export interface TextSummary {
  /** The sentences kept, in their original order. */
  sentences: string[];
  /** How many sentences the text has. */
  total: number;
}

/**
 * An extractive summary: each sentence scores the frequencies of its content terms (relative
 * to the commonest term), summed and divided by the square root of its term count so that
 * long sentences do not win by length alone; the best `count` are kept in their original order.
 */
export function summarize(text: string, count: number): TextSummary {
  const sentences = sentencesOf(text);
  if (sentences.length <= count) return { sentences, total: sentences.length };
  const frequencies = new Map<string, number>();
  // Each sentence's words are segmented once, for the language and for the terms.
  const sources = sentences.map(termSourceOf);
  const stopWords = stopWordsFor(text, latinWordsOf(sources));
  const termsBySentence = sources.map((source) => termsFrom(source, stopWords));
  for (const terms of termsBySentence) {
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  }
  let top = 1;
  for (const frequency of frequencies.values()) top = Math.max(top, frequency);
  const scored = termsBySentence.map((terms, index) => {
    const sum = terms.reduce((total, term) => total + (frequencies.get(term) ?? 0) / top, 0);
    return { index, score: terms.length === 0 ? 0 : sum / Math.sqrt(terms.length) };
  });
  const kept = scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map(({ index }) => index)
    .sort((a, b) => a - b);
  return { sentences: kept.map((index) => sentences[index]), total: sentences.length };
}

const CJK_SENTENCE_ENDS = new Set(['。', '！', '？', '」', '』', '）']);

/** Joins sentences with a space, or with nothing after a CJK full stop. */
export function joinSentences(sentences: string[]): string {
  let text = '';
  for (const sentence of sentences) {
    if (text === '') text = sentence;
    else text += CJK_SENTENCE_ENDS.has(text[text.length - 1]) ? sentence : ` ${sentence}`;
  }
  return text;
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

const isLowSurrogate = (char: number) => char >= 0xdc00 && char <= 0xdfff;

export function describeText(text: string): TextDescription {
  const words = wordsOf(text);
  const language = detectLanguage(text, words);
  let characters = 0;
  for (let i = 0; i < text.length; i++) {
    // A surrogate pair is one character.
    if (!isLowSurrogate(text.charCodeAt(i)) || !isHighSurrogate(text.charCodeAt(i - 1))) characters++;
  }
  let newlines = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) newlines++;
  // A final newline ends the last line rather than starting another.
  const lines = text === '' || text === '\n' ? 0 : newlines + (text.endsWith('\n') ? 0 : 1);
  return {
    characters,
    bytes: Buffer.byteLength(text, 'utf8'),
    lines,
    words: words.length,
    sentences: sentencesOf(text).length,
    script: language.script,
    language: language.language,
    languageName: language.name,
  };
}
