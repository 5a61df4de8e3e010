/*
 * Text fuzz cases: the shared text fixtures, and runs grown to a megabyte that made text
 * analysis slow before (white space, line breaks, one repeated token, CJK without spaces, one
 * endless word, punctuation, zero-width characters, combining marks), a character cut in half,
 * and texts at and just over LIMIT_TEXT_CHARS.
 */
import { fixture } from '../fixtures';
import { FUZZ_LIMITS, MEGABYTE, overLimit, type FuzzCase, type FuzzExpectation } from './fuzz-case';

/** Texts builtin.render draws (to image); it refuses longer ones (F2). */
const RENDERED_BYTES = 64 * 1024;

const text = (
  name: string,
  value: string | Buffer,
  expect: FuzzExpectation,
  filename = 'input.txt',
): FuzzCase => {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return {
    name: `text ${name}`,
    bytes,
    filename,
    mediaType: filename.endsWith('.md') ? 'text/markdown' : 'text/plain',
    expect,
    ...(expect === 'ok' && bytes.length > RENDERED_BYTES ? { inferExpect: 'ok-or-4xx' as const } : {}),
  };
};

/** `unit` repeated until the run is `bytes` long in UTF-8. */
const run = (unit: string, bytes = MEGABYTE) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));

function runCases(base: string): FuzzCase[] {
  const [head, ...rest] = base.split(' ');
  const tail = rest.join(' ');
  const inside = (what: string) => `${head} ${what} ${tail}`;
  return [
    text('1 MB of spaces inside', inside(run(' ')), 'ok'),
    text('1 MB of line breaks inside', inside(run('\n')), 'ok'),
    text('1 MB of CRLF inside', inside(run('\r\n')), 'ok'),
    text('1 MB of carriage returns inside', inside(run('\r')), 'ok'),
    text('1 MB of tabs and spaces', inside(run('\t \t ')), 'ok'),
    text('a token repeated to 1 MB', run('token '), 'ok'),
    text('a sentence repeated to 1 MB', run('The cat sat. '), 'ok'),
    text('one endless word of 1 MB', run('a'), 'ok'),
    text('1 MB of CJK without spaces', run('中文字符'), 'ok'),
    text('1 MB of Thai without spaces', run('ภาษาไทย'), 'ok'),
    text('1 MB of full stops', run('.'), 'ok'),
    text('1 MB of question marks and spaces', run('? '), 'ok'),
    text('1 MB of zero-width spaces', run('\u200b'), 'ok'),
    text('a letter with 1 MB of combining marks', `a${run('\u0301')}`, 'ok'),
    text('1 MB of emoji with joiners', run('👩‍👩‍👧‍👦'), 'ok'),
    text('1 MB of one digit', run('7'), 'ok'),
    text('1 MB of "a," (a one-column table?)', run('a,\n'), 'ok'),
    text('1 MB of Markdown quote markers', run('>'), 'ok', 'input.md'),
    text('1 MB of Markdown list nesting', `${run('  ')}- item`, 'ok', 'input.md'),
    text('1 MB of backticks', run('`'), 'ok', 'input.md'),
    text('1 MB of URL-like text', run('http://a.b/'), 'ok'),
    text('1 MB of JSON nesting that is not a signal', run('[{"a":'), 'ok-or-4xx'),
  ];
}

/** Every text case, grouped by the valid text it comes from. */
export function textCaseGroups(): { base: string; cases: FuzzCase[] }[] {
  const english = fixture('text/english.txt').toString('utf8');
  const chinese = fixture('text/chinese.txt');
  const markdown = fixture('text/notes.md');
  const cutInCharacter = chinese.subarray(0, chinese.indexOf(0xe4, 10) + 1);
  return [
    {
      base: 'text/english.txt',
      cases: [text('english.txt valid', english, 'ok'), ...runCases(english)],
    },
    {
      base: 'text/chinese.txt and notes.md',
      cases: [
        text('chinese.txt valid', chinese, 'ok'),
        text('notes.md valid', markdown, 'ok', 'notes.md'),
        text('chinese.txt cut inside a character', cutInCharacter, 'ok-or-4xx'),
        text(
          'chinese.txt with a lone continuation byte',
          Buffer.concat([chinese, Buffer.from([0x80])]),
          'ok-or-4xx',
        ),
        text('english.txt with a NUL', `${english}\0${english}`, 'ok-or-4xx'),
        text('a UTF-8 BOM and 1 MB of BOMs', run('\ufeff'), 'ok-or-4xx'),
        text(
          'UTF-16LE with a BOM',
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(english, 'utf16le')]),
          // Not UTF-8, declared text/plain: refused as a text encoding the gateway does not read (F3).
          { status: 415, code: 'unsupported_media' },
        ),
      ],
    },
  ];
}

/** Texts of LIMIT_TEXT_CHARS characters and one more (ASCII, and CJK: three bytes a character). */
export function overLimitTexts(): FuzzCase[] {
  const limit = FUZZ_LIMITS.textChars;
  return [
    text(`of ${limit} characters (LIMIT_TEXT_CHARS=${limit})`, run('word ', limit).slice(0, limit), 'ok'),
    text(
      `of ${limit + 1} characters (LIMIT_TEXT_CHARS=${limit})`,
      run('word ', limit + 5).slice(0, limit + 1),
      overLimit('textChars'),
    ),
    text(
      `of ${limit + 1} CJK characters (LIMIT_TEXT_CHARS=${limit})`,
      '中'.repeat(limit + 1),
      overLimit('textChars'),
    ),
    text(
      `of ${limit + 1} line breaks (LIMIT_TEXT_CHARS=${limit})`,
      '\n'.repeat(limit + 1),
      overLimit('textChars'),
    ),
  ];
}
