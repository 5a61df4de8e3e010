import { AdapterError } from '../../sdk/adapter-error';

/** One step through a JSON text; `depth` is the number of containers around the item. */
export type JsonEvent =
  | { kind: 'open'; container: 'object' | 'array'; depth: number; start: number }
  | { kind: 'close'; depth: number; end: number }
  | { kind: 'key'; key: string; depth: number }
  | { kind: 'scalar'; value: string | number | boolean | null; depth: number; start: number; end: number };

type Expecting = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'commaOrClose';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** What a number cut off anywhere may look like (`-`, `1.`, `2e`, ...). */
const NUMBER_PREFIX = /-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?/y;
const LITERALS = new Map<string, boolean | null>([
  ['true', true],
  ['false', false],
  ['null', null],
]);

/**
 * Walks JSON text item by item, for reading the start of a document that is cut off (a probe
 * sample): it stops quietly where the text ends, even inside a token, and throws
 * `unprocessable_input` at the first syntax error. Offsets are UTF-16 indexes into `text`.
 */
export function* jsonEvents(text: string): Generator<JsonEvent> {
  const stack: ('object' | 'array')[] = [];
  let expecting: Expecting = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && ' \t\n\r\ufeff'.includes(text[i])) i++;
    if (i >= text.length) return;
    const c = text[i];
    const depth = stack.length;
    const closer = stack.at(-1) === 'object' ? '}' : ']';

    if (
      (expecting === 'valueOrClose' || expecting === 'keyOrClose' || expecting === 'commaOrClose') &&
      c === closer
    ) {
      stack.pop();
      i++;
      yield { kind: 'close', depth: depth - 1, end: i };
      expecting = 'commaOrClose';
      continue;
    }
    if (expecting === 'commaOrClose') {
      if (depth === 0) throw syntax(i, 'content after the JSON value');
      if (c !== ',') throw syntax(i, `expected "," or "${closer}"`);
      i++;
      expecting = stack.at(-1) === 'object' ? 'key' : 'value';
      continue;
    }
    if (expecting === 'colon') {
      if (c !== ':') throw syntax(i, 'expected ":"');
      i++;
      expecting = 'value';
      continue;
    }
    if (expecting === 'key' || expecting === 'keyOrClose') {
      if (c !== '"') throw syntax(i, 'expected a key');
      const end = stringEnd(text, i);
      if (end === undefined) return;
      yield { kind: 'key', key: parseString(text, i, end), depth };
      i = end;
      expecting = 'colon';
      continue;
    }

    // A value.
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? 'object' : 'array');
      yield { kind: 'open', container: stack[depth], depth, start: i };
      i++;
      expecting = c === '{' ? 'keyOrClose' : 'valueOrClose';
      continue;
    }
    const scalar = readScalar(text, i);
    if (scalar === undefined) return;
    yield { kind: 'scalar', value: scalar.value, depth, start: i, end: scalar.end };
    i = scalar.end;
    expecting = 'commaOrClose';
  }
}

/** A string, number or literal at `i`; undefined when the text ends inside it. */
function readScalar(
  text: string,
  i: number,
): { value: string | number | boolean | null; end: number } | undefined {
  if (text[i] === '"') {
    const end = stringEnd(text, i);
    return end === undefined ? undefined : { value: parseString(text, i, end), end };
  }
  NUMBER_PREFIX.lastIndex = i;
  const prefix = NUMBER_PREFIX.exec(text)?.[0] ?? '';
  // A number that reaches the end of the text may go on past it.
  if (prefix !== '' && i + prefix.length >= text.length) return undefined;
  NUMBER.lastIndex = i;
  const number = NUMBER.exec(text);
  if (number) return { value: Number(number[0]), end: i + number[0].length };
  for (const [word, value] of LITERALS) {
    if (text.startsWith(word, i)) return { value, end: i + word.length };
    if (text.length - i < word.length && word.startsWith(text.slice(i))) return undefined;
  }
  throw syntax(i, 'expected a value');
}

/** The index after the closing quote of the string opening at `start`; undefined when cut off. */
function stringEnd(text: string, start: number): number | undefined {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return undefined;
}

function parseString(text: string, start: number, end: number): string {
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch (error) {
    throw AdapterError.unprocessable(`malformed JSON signal: a bad string at offset ${start}`, error);
  }
}

function syntax(offset: number, problem: string): AdapterError {
  return AdapterError.unprocessable(`malformed JSON signal at offset ${offset}: ${problem}`);
}
