import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { binaryOutput, createAdapterHarness } from '../testing';
import { breakLongRuns, escapePangoMarkup, printableText } from './pango-text';
import { TextRenderAdapter } from './text-render.adapter';

interface Rendered {
  width: number;
  height: number;
  /** Fraction of pixels darker than mid grey. */
  dark: number;
  pixel(x: number, y: number): [number, number, number];
  /** Fraction of dark pixels in the columns [from, to). */
  darkIn(from: number, to: number): number;
}

async function render(text: string | Buffer, options: Record<string, unknown> = {}): Promise<Rendered> {
  const harness = createAdapterHarness();
  const input = harness.put(text, { modality: 'text', mediaType: 'text/plain' });
  const output = binaryOutput(
    await harness.invoke(new TextRenderAdapter(), {
      task: 'render',
      inputs: [input],
      output: { modality: 'image' },
      options,
    }),
  );
  expect(output.mediaType).toBe('image/png');
  expect((await sharp(output.data).metadata()).format).toBe('png');
  const { data, info } = await sharp(output.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const isDark = (i: number) => (data[i] + data[i + 1] + data[i + 2]) / 3 < 128;
  const darkIn = (from: number, to: number) => {
    let count = 0;
    for (let y = 0; y < info.height; y++) {
      for (let x = from; x < to; x++) if (isDark((y * info.width + x) * 3)) count++;
    }
    return count / ((to - from) * info.height);
  };
  return {
    width: info.width,
    height: info.height,
    dark: darkIn(0, info.width),
    pixel: (x, y) => {
      const i = (y * info.width + x) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    },
    darkIn,
  };
}

const hasCjkFont = (spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).stdout ?? '').trim() !== '';

describe('TextRenderAdapter', () => {
  it('draws English text on a white box 800 px wide plus padding', async () => {
    const image = await render(fixture('text/english.txt'));
    expect(image.width).toBe(800 + 2 * 24);
    expect(image.height).toBeGreaterThan(2 * 24 + 40);
    expect(image.dark).toBeGreaterThan(0.02);
    expect(image.dark).toBeLessThan(0.5);
    expect(image.pixel(0, 0)).toEqual([255, 255, 255]);
  });

  it('draws Chinese text', async () => {
    const image = await render(fixture('text/chinese.txt'));
    expect(image.width).toBe(848);
    expect(image.dark).toBeGreaterThan(0.02);
  });

  it.skipIf(!hasCjkFont)(
    'draws real CJK glyphs, not missing-glyph boxes (needs fonts-noto-cjk)',
    async () => {
      // Boxes would carry about the same ink whatever the character; 一二三 has far less ink than 全模态.
      const light = await render('一二三一二三一二三');
      const heavy = await render('全模态全模态全模态');
      expect(light.dark).toBeLessThan(heavy.dark * 0.6);
    },
  );

  it('wraps long text at the width, so more text gives a taller image', async () => {
    const text = fixture('text/english.txt').toString('utf8');
    const short = await render(text);
    const long = await render(`${text} ${text} ${text} ${text}`);
    expect(long.width).toBe(short.width);
    expect(long.height).toBeGreaterThan(short.height * 2.5);
  });

  it('breaks a word longer than the width', async () => {
    const image = await render('x'.repeat(400), { width: 200, padding: 0 });
    expect(image.width).toBe(200);
    expect(image.height).toBeGreaterThan(40);
  });

  it('draws markup characters literally', async () => {
    const image = await render('<b>bold</b> & <span foreground="red">not red</span>', { color: '#0000ff' });
    expect(image.dark).toBeGreaterThan(0.01);
  });

  it('uses the colours, padding and alignment it is given', async () => {
    const image = await render('right', {
      width: 400,
      padding: 10,
      align: 'right',
      background: '#000',
      color: '#ffffff',
      fontSize: 48,
    });
    expect(image.width).toBe(420);
    expect(image.pixel(0, 0)).toEqual([0, 0, 0]);
    // White text on black: the left half stays dark, the right half holds the ink.
    expect(image.darkIn(10, 210)).toBe(1);
    expect(image.darkIn(210, 410)).toBeLessThan(0.97);
  });

  it('grows with the font size', async () => {
    const small = await render('size', { fontSize: 12, padding: 0 });
    const large = await render('size', { fontSize: 48, padding: 0 });
    expect(large.height).toBeGreaterThan(small.height * 3);
  });

  it.each([
    ['empty text', ''],
    ['whitespace only', ' \n\t '],
    ['invalid UTF-8', Buffer.from([0x66, 0xff, 0xfe, 0x6f])],
  ])('refuses %s as unprocessable input', async (_name, text) => {
    await expect(render(text)).rejects.toMatchObject({ code: 'unprocessable_input' });
  });

  it('refuses text that would draw an enormous image, before drawing it', async () => {
    const text = 'wide glyphs '.repeat(4000);
    await expect(render(text, { width: 8192, fontSize: 100 })).rejects.toMatchObject({
      code: 'unprocessable_input',
      message: expect.stringContaining('megapixels'),
    });
  });

  it('refuses text too long to lay out as unprocessable input', async () => {
    // Under the pixel estimate, but taller than a cairo surface can be.
    const text = 'a '.repeat(3_000);
    await expect(render(text, { width: 16, fontSize: 12, padding: 0 })).rejects.toMatchObject({
      code: 'unprocessable_input',
    });
  });

  it('wraps 64 KB of one word at a narrow width in seconds (Pango took 68 s)', async () => {
    const started = Date.now();
    const image = await render('x'.repeat(65_000), { width: 16, fontSize: 1, padding: 0 });
    expect(image.height).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses more text than it renders with 413', async () => {
    await expect(render('x'.repeat(65_537))).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { max: 65_536, actual: 65_537 },
    });
  });

  it('refuses an output media type other than PNG', async () => {
    const harness = createAdapterHarness();
    const input = harness.put('hello', { modality: 'text', mediaType: 'text/plain' });
    await expect(
      harness.invoke(new TextRenderAdapter(), {
        task: 'render',
        inputs: [input],
        output: { modality: 'image', mediaType: 'image/jpeg' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
  });

  it('validates options', () => {
    const schema = new TextRenderAdapter().options;
    expect(schema.parse({})).toMatchObject({
      width: 800,
      background: '#ffffff',
      color: '#000000',
      fontSize: 24,
    });
    expect(schema.parse({ color: '#F00' }).color).toBe('#ff0000');
    expect(schema.safeParse({ color: 'red' }).success).toBe(false);
    expect(schema.safeParse({ font: 'sans"><b' }).success).toBe(false);
    expect(schema.safeParse({ width: 0 }).success).toBe(false);
  });
});

describe('pango text helpers', () => {
  it('escapes markup', () => {
    expect(escapePangoMarkup('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });

  it('puts an invisible break into every 64 characters without one, between whole characters', () => {
    expect(breakLongRuns('short words stay as they are')).toBe('short words stay as they are');
    const broken = breakLongRuns('x'.repeat(200));
    expect(broken.split('\u200b').map((run) => run.length)).toEqual([64, 64, 64, 8]);
    // A combining accent, an emoji with a skin tone, a joined family: none is split from its base.
    for (const unit of ['e\u0301', '👍🏽', '👩\u200d👩\u200d👧']) {
      const text = unit.repeat(100);
      expect(breakLongRuns(text).replaceAll('\u200b', '')).toBe(text);
      for (const run of breakLongRuns(text).split('\u200b')) expect(run.startsWith(unit)).toBe(true);
    }
  });

  it('keeps tabs and newlines, normalises CRLF and drops other control characters', () => {
    expect(printableText('a\r\nb\rc\td\u0000e\u001bf')).toBe('a\nb\nc\tdef');
  });
});
