// An omnigate adapter package (ADAPTER_MODULES): plain JavaScript, no dependencies, no import of
// the gateway. The gateway duck-types what it loads: an adapter is an object with a `descriptor`
// and `invoke(request, context)`, and an error it should understand is an Error named
// `AdapterError` with one of the gateway's error codes.

const ID = 'example.wordcount';

/** Option name → check; anything else the caller sends becomes a warning, not a failure. */
const OPTIONS = {
  top: (value) => Number.isInteger(value) && value >= 0 && value <= 50,
};

function adapterError(code, message, retryable = false) {
  return Object.assign(new Error(message), { name: 'AdapterError', code, retryable });
}

/** Counts words (in any script: Intl.Segmenter knows Chinese and Japanese words), sentences and characters. */
export function countWords(text, locale) {
  const words = [...new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)].filter(
    (s) => s.isWordLike,
  );
  // A line break inside a paragraph is wrapping, not the end of a sentence.
  const unwrapped = text.replace(/(?<!\n)\n(?!\n)/g, ' ');
  const sentences = [...new Intl.Segmenter(locale, { granularity: 'sentence' }).segment(unwrapped)].filter(
    (s) => s.segment.trim(),
  );
  const frequency = new Map();
  for (const { segment } of words) {
    const word = segment.toLocaleLowerCase(locale);
    frequency.set(word, (frequency.get(word) ?? 0) + 1);
  }
  return {
    words: words.length,
    distinctWords: frequency.size,
    sentences: sentences.length,
    characters: [...text].length,
    frequent: [...frequency].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  };
}

class WordCountAdapter {
  descriptor = {
    id: ID,
    version: '1.0.0',
    description: 'Word, sentence and character counts of text, with the most frequent words',
    capabilities: [
      {
        task: 'wordcount',
        inputs: ['text'],
        output: 'text',
        inputMediaTypes: ['text/plain', 'text/markdown'],
        limits: { maxBytes: 10 * 1024 * 1024 },
      },
    ],
    concurrency: 8,
    costHint: 0.1,
    latencyHintMs: 5,
  };

  async invoke(request, context) {
    const options = request.options ?? {};
    const warnings = Object.keys(options)
      .filter((name) => !OPTIONS[name])
      .map((name) => `option "${name}" is not supported by ${ID} and was ignored`);
    for (const [name, check] of Object.entries(OPTIONS)) {
      if (options[name] !== undefined && !check(options[name])) {
        throw adapterError(
          'invalid_request',
          `option "${name}": ${JSON.stringify(options[name])} is not valid`,
        );
      }
    }
    const input = request.inputs.find((candidate) => candidate.modality === 'text');
    if (!input) throw adapterError('unprocessable_input', `${ID} needs a text input`);

    const text = (await context.blobs.read(input.blobId)).toString('utf8');
    context.signal.throwIfAborted(); // cancelled while reading: stop here
    if (!text.trim()) throw adapterError('unprocessable_input', 'the text is empty');

    const counts = countWords(text);
    const top = options.top ?? 5;
    const lines = [
      `${counts.words} words (${counts.distinctWords} distinct), ${counts.sentences} sentences, ${counts.characters} characters`,
      ...counts.frequent.slice(0, top).map(([word, n]) => `${word}: ${n}`),
    ];
    // A streaming caller sees each line as soon as it is ready; everyone gets the whole text.
    lines.forEach((line, i) => context.onTextDelta?.(i === 0 ? line : `\n${line}`));
    await context.progress(1);
    const { frequent: _frequent, ...meta } = counts;
    return {
      outputs: [{ modality: 'text', mediaType: 'text/plain', text: lines.join('\n') }],
      meta,
      ...(warnings.length ? { warnings } : {}),
    };
  }
}

/** What ADAPTER_MODULES looks for; `context.logger` is the gateway's pino logger. */
export function createAdapters(_context) {
  return [new WordCountAdapter()];
}
