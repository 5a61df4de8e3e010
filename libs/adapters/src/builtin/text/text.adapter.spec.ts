import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { createAdapterHarness, textOutput } from '../testing';
import { TextAnalysisAdapter } from './text.adapter';

async function run(
  task: string,
  text: string | Buffer,
  options: Record<string, unknown> = {},
  mediaType?: string,
): Promise<{ text: string; mediaType: string; warnings: string[] }> {
  const harness = createAdapterHarness();
  const input = harness.put(text, { modality: 'text', mediaType: 'text/plain' });
  const result = await harness.invoke(new TextAnalysisAdapter(), {
    task,
    inputs: [input],
    output: { modality: 'text', mediaType },
    options,
  });
  return { ...textOutput(result), warnings: result.warnings ?? [] };
}

async function runJson<T>(task: string, text: string | Buffer, options: Record<string, unknown> = {}) {
  const output = await run(task, text, options, 'application/json');
  expect(output.mediaType).toBe('application/json');
  return JSON.parse(output.text) as T;
}

const english = fixture('text/english.txt');
const chinese = fixture('text/chinese.txt');

const article = [
  'Solar panels turn sunlight into electricity.',
  'My cat likes to sleep on the warm windowsill.',
  'Modern solar panels convert about a fifth of the sunlight into electricity.',
  'The weather was pleasant yesterday.',
  'Cheaper solar panels have made solar electricity the cheapest power in many countries.',
  'Bread is best eaten fresh.',
].join(' ');

describe('TextAnalysisAdapter', () => {
  it('declares each task as its own text-to-text capability', () => {
    const { capabilities } = new TextAnalysisAdapter().descriptor;
    expect(capabilities.map((capability) => capability.task)).toEqual([
      'summarize',
      'keywords',
      'language',
      'describe',
    ]);
    for (const capability of capabilities) {
      expect(capability.inputs).toEqual(['text']);
      expect(capability.output).toBe('text');
    }
  });

  describe('summarize', () => {
    it('keeps the sentences with the most frequent terms, in their original order', async () => {
      const output = await run('summarize', article, { sentences: 2 });
      expect(output.mediaType).toBe('text/plain');
      expect(output.text).toBe(
        'Solar panels turn sunlight into electricity. ' +
          'Cheaper solar panels have made solar electricity the cheapest power in many countries.\n',
      );
    });

    it('keeps three sentences by default and reports them as JSON', async () => {
      const summary = await runJson<{ sentences: string[]; total: number }>('summarize', article);
      expect(summary.total).toBe(6);
      expect(summary.sentences).toHaveLength(3);
      expect(summary.sentences[0]).toBe('Solar panels turn sunlight into electricity.');
      expect(summary.sentences.join(' ')).not.toContain('cat');
    });

    it('returns a short text whole, with a warning', async () => {
      const output = await run('summarize', english);
      expect(output.text).toBe(`${english.toString('utf8').replace('\n', ' ').trim()}\n`);
      expect(output.warnings).toEqual([expect.stringContaining('2 sentences')]);
    });

    it('summarizes Chinese at its full stops', async () => {
      const output = await run('summarize', chinese, { sentences: 1 });
      expect(output.text).toBe(
        '全模态大模型能够理解语音、图像、文本、视频、信号和三维点云，实现任意输入、任意输出。\n',
      );
      const both = await run('summarize', chinese, { sentences: 2 });
      expect(both.text).toBe(`${chinese.toString('utf8').replace('\n', '').trim()}\n`);
    });
  });

  describe('keywords', () => {
    it('lists the commonest terms without stop words', async () => {
      const output = await run('keywords', article, { count: 3 });
      expect(output.text).toBe('solar\npanels\nelectricity\n');
    });

    it('gives counts in JSON and ten terms by default', async () => {
      const { keywords } = await runJson<{ keywords: { term: string; count: number }[] }>(
        'keywords',
        article,
      );
      expect(keywords).toHaveLength(10);
      expect(keywords[0]).toEqual({ term: 'solar', count: 4 });
      expect(keywords.map((keyword) => keyword.term)).not.toContain('the');
    });

    it('finds the English fixture subject words', async () => {
      const terms = (await run('keywords', english, { count: 30 })).text.trim().split('\n');
      expect(terms).toEqual(expect.arrayContaining(['multimodal', 'gateway', 'audio', 'video']));
      for (const stop of ['a', 'and', 'the', 'this', 'is', 'for']) expect(terms).not.toContain(stop);
    });

    it('uses character bigrams for Chinese', async () => {
      const { keywords } = await runJson<{ keywords: { term: string; count: number }[] }>(
        'keywords',
        chinese,
        {
          count: 5,
        },
      );
      expect(keywords.slice(0, 2).map((keyword) => keyword.term)).toEqual(['文本', '任意']);
      expect(keywords[0].count).toBe(2);
      for (const { term } of keywords) expect([...term]).toHaveLength(2);
      // Bigrams holding a function character (的, 和, 是 ...) are not keywords.
      expect(keywords.map((keyword) => keyword.term).join('')).not.toMatch(/[的和是]/);
    });

    it('drops the function words of other Latin-script languages', async () => {
      const text = 'Le chat est sur la table. Le chat dort dans le salon avec le chien et la chatte.';
      const terms = (await run('keywords', text, { count: 3 })).text.trim().split('\n');
      expect(terms[0]).toBe('chat');
      expect(terms).not.toContain('le');
      expect(terms).not.toContain('la');
    });

    it('skips hiragana in Japanese bigrams', async () => {
      const terms = (await run('keywords', 'これは日本語の文章です。日本語は面白い。')).text
        .trim()
        .split('\n');
      expect(terms[0]).toBe('日本');
      for (const term of terms) expect(term).not.toMatch(/\p{Script=Hiragana}/u);
    });
  });

  describe('language', () => {
    it.each([
      ['English fixture', english, 'en'],
      ['Chinese fixture', chinese, 'zh'],
      ['French', 'Le chat est sur la table et il dort dans le salon avec les enfants.', 'fr'],
      ['German', 'Der Hund ist nicht in dem Haus und die Katze auch nicht.', 'de'],
      ['Spanish', 'El perro está en la casa y no quiere salir con los niños.', 'es'],
      ['Italian', 'Il gatto è sulla tavola e non vuole uscire con gli amici della famiglia.', 'it'],
      ['Dutch', 'De kat zit op de tafel en het is niet koud in het huis.', 'nl'],
      ['Portuguese', 'O gato está na mesa e não quer sair com os amigos da família.', 'pt'],
      ['Japanese', 'これは日本語の文章です。', 'ja'],
      ['Korean', '안녕하세요, 만나서 반갑습니다.', 'ko'],
      ['Russian', 'Привет, как дела? Всё хорошо.', 'ru'],
      ['Greek', 'Καλημέρα, τι κάνεις;', 'el'],
      ['Arabic', 'مرحبا بكم في البوابة', 'ar'],
      ['Hindi', 'नमस्ते, आप कैसे हैं?', 'hi'],
      ['digits only', '12345 678', 'und'],
    ])('names %s', async (_name, text, language) => {
      const output = await run('language', text);
      expect(output.text).toBe(`${language}\n`);
    });

    it('reports script, name and confidence in JSON', async () => {
      const guess = await runJson<Record<string, unknown>>('language', english);
      expect(guess).toMatchObject({ language: 'en', name: 'English', script: 'Latin' });
      expect(guess.confidence).toBeGreaterThan(0.5);
      expect(await runJson('language', chinese)).toMatchObject({ language: 'zh', script: 'Han' });
    });
  });

  describe('describe', () => {
    it('describes the English fixture', async () => {
      const description = await runJson('describe', english);
      expect(description).toEqual({
        characters: 184,
        bytes: 184,
        lines: 2,
        words: 30,
        sentences: 2,
        script: 'Latin',
        language: 'en',
        languageName: 'English',
      });
      const plain = await run('describe', english);
      expect(plain.text).toContain('lines: 2\n');
      expect(plain.text).toContain('language: en (English)\n');
    });

    it('describes the Chinese fixture, counting characters, not bytes', async () => {
      const description = await runJson<Record<string, unknown>>('describe', chinese);
      expect(description).toMatchObject({
        characters: 70,
        bytes: 194,
        lines: 2,
        script: 'Han',
        language: 'zh',
      });
      expect(description.words).toBeGreaterThan(10);
    });

    it('describes empty text', async () => {
      expect(await runJson('describe', '')).toMatchObject({
        characters: 0,
        lines: 0,
        words: 0,
        language: 'und',
      });
    });
  });

  it.each(['summarize', 'keywords', 'language'])('refuses empty text for %s', async (task) => {
    await expect(run(task, ' \n ')).rejects.toMatchObject({ code: 'unprocessable_input' });
  });

  it('refuses invalid UTF-8, an unknown task and an unknown output type', async () => {
    await expect(run('describe', Buffer.from([0x66, 0xff]))).rejects.toMatchObject({
      code: 'unprocessable_input',
    });
    await expect(run('translate', 'hello')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(run('describe', 'hello', {}, 'text/html')).rejects.toMatchObject({
      code: 'unprocessable_input',
    });
  });

  it('refuses text over LIMIT_TEXT_CHARS with 413 naming the variable', async () => {
    const harness = createAdapterHarness();
    const input = harness.put('a'.repeat(101), { modality: 'text', mediaType: 'text/plain' });
    const adapter = new TextAnalysisAdapter({ ...DEFAULT_INPUT_LIMITS, textChars: 100 });
    await expect(
      harness.invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } }),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_TEXT_CHARS', max: 100, actual: 101 },
    });
  });

  describe('hostile text: every task is linear in the length (issue 12, H4)', () => {
    /** CPU time this process spent on `work`, in ms: less at the mercy of a busy machine than wall time. */
    async function cpuMs(work: () => Promise<unknown>): Promise<number> {
      const before = process.cpuUsage();
      await work();
      const { user, system } = process.cpuUsage(before);
      return (user + system) / 1000;
    }
    const fill = (unit: string, length: number) =>
      unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    const prose = fill(`${article}\n`, 400_000);

    // Each took from a minute to hours before (a quadratic `\s*\n\s*` replace; Intl.Segmenter over the whole text).
    it('summarizes 400 KB of prose to its commonest sentences in seconds', async () => {
      let summary: { sentences: string[]; total: number } | undefined;
      const ms = await cpuMs(async () => {
        summary = await runJson('summarize', prose);
      });
      expect(ms).toBeLessThan(5_000);
      expect(summary?.total).toBeGreaterThan(2_000);
      expect(summary?.sentences[0]).toContain('solar');
    });

    it.each([
      ['summarize', '2.5 MB of spaces between two words', `first${' '.repeat(2_500_000)}last.`],
      ['describe', '2.5 MB of spaces between two words', `first${' '.repeat(2_500_000)}last.`],
      ['keywords', '1 MB without whitespace', fill('abcdefghij', 1_000_000)],
      ['summarize', '1 MB of newlines and spaces', `${fill(' \n', 1_000_000)}x`],
      ['language', '1 MB of one repeated word', fill('word ', 1_000_000)],
      ['describe', '400 KB of Chinese without spaces', fill(chinese.toString('utf8').trim(), 400_000)],
      ['keywords', '400 KB of single letters between CJK characters', fill('a中', 400_000)],
    ])('%s of %s takes seconds, not minutes', async (task, _name, text) => {
      const ms = await cpuMs(() => run(task, text, {}, 'application/json'));
      expect(ms).toBeLessThan(5_000);
    });
  });

  it('validates options', () => {
    const schema = new TextAnalysisAdapter().options;
    expect(schema.parse({})).toEqual({ sentences: 3, count: 10 });
    expect(schema.safeParse({ sentences: 0 }).success).toBe(false);
    expect(schema.safeParse({ count: 2.5 }).success).toBe(false);
  });
});
