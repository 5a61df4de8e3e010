import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { createAdapterHarness, textOutput } from '../testing';
import type { ImageDescription } from './describe-image';
import { ImageTextAdapter } from './image-text.adapter';
import { englishLangPath } from './tesseract';
import { renderText } from './ocr.testing';

/** A page of twelve lines: long enough to interrupt while it is read. */
const foxPage = () => renderText(Array.from({ length: 12 }, () => 'the quick brown fox jumps').join('\n'));

/** The adapter still reads text: its worker was replaced after the last job's was stopped. */
async function expectStillReads(local: ImageTextAdapter): Promise<void> {
  const harness = createAdapterHarness();
  const input = harness.put(await renderText('hello world'), { modality: 'image', mediaType: 'image/png' });
  const result = await harness.invoke(local, { task: 'ocr', inputs: [input], output: { modality: 'text' } });
  expect(textOutput(result).text.toLowerCase()).toContain('hello world');
}

interface OcrJson {
  text: string;
  confidence: number;
  words: { text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number } }[];
}

describe('ImageTextAdapter', () => {
  const adapter = new ImageTextAdapter();
  afterAll(() => adapter.close());

  describe('ocr', () => {
    it('reads English text rendered by sharp', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(await renderText('OMNIGATE 2026 hello world'), {
        modality: 'image',
        mediaType: 'image/png',
      });
      const result = await harness.invoke(adapter, {
        task: 'ocr',
        inputs: [input],
        output: { modality: 'text' },
      });
      const output = textOutput(result);
      expect(output.mediaType).toBe('text/plain');
      const text = output.text.toLowerCase();
      for (const word of ['omnigate', '2026', 'hello', 'world']) expect(text).toContain(word);
      expect(result.warnings).toEqual([]);
      expect(harness.progress.at(-1)).toBe(1);
    });

    it('returns words with confidences and boxes as JSON, reusing the worker, with a psm', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(await renderText('hello world'), {
        modality: 'image',
        mediaType: 'image/png',
      });
      const result = await harness.invoke(adapter, {
        task: 'ocr',
        inputs: [input],
        output: { modality: 'text', mediaType: 'application/json' },
        options: { psm: 7 },
      });
      const output = textOutput(result);
      expect(output.mediaType).toBe('application/json');
      const value = JSON.parse(output.text) as OcrJson & { psm: number };
      expect(value.psm).toBe(7);
      expect(value.text.toLowerCase()).toContain('hello world');
      expect(value.words.map((w) => w.text.toLowerCase())).toEqual(['hello', 'world']);
      for (const word of value.words) {
        expect(word.confidence).toBeGreaterThan(50);
        expect(word.bbox.x1).toBeGreaterThan(word.bbox.x0);
      }
    });

    it('reads a JPEG and warns when there is no text', async () => {
      const harness = createAdapterHarness();
      const blank = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#ffffff' } })
        .jpeg()
        .toBuffer();
      const input = harness.put(blank, { modality: 'image', mediaType: 'image/jpeg' });
      const result = await harness.invoke(adapter, {
        task: 'ocr',
        inputs: [input],
        output: { modality: 'text' },
      });
      expect(textOutput(result).text).toBe('');
      expect(result.warnings).toEqual(['no text was found in the image']);
    });

    it('does no work once the job is aborted', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(await renderText('hello'), { modality: 'image', mediaType: 'image/png' });
      harness.controller.abort(new Error('cancelled'));
      await expect(
        harness.invoke(adapter, { task: 'ocr', inputs: [input], output: { modality: 'text' } }),
      ).rejects.toThrow('cancelled');
    });

    it('stops promptly when aborted mid-recognition, and the next job still works', async () => {
      const local = new ImageTextAdapter();
      try {
        const harness = createAdapterHarness();
        const input = harness.put(await foxPage(), { modality: 'image', mediaType: 'image/png' });
        const job = harness.invoke(local, { task: 'ocr', inputs: [input], output: { modality: 'text' } });
        // Abort once tesseract reports recognition progress, i.e. inside the WASM call.
        let abortedAt = 0;
        const poll = setInterval(() => {
          if (harness.progress.some((fraction) => fraction > 0.1 && fraction < 1)) {
            clearInterval(poll);
            abortedAt = Date.now();
            harness.controller.abort(new Error('cancelled'));
          }
        }, 1);
        await expect(job).rejects.toThrow('cancelled');
        clearInterval(poll);
        expect(abortedAt).toBeGreaterThan(0);
        expect(Date.now() - abortedAt).toBeLessThan(500);
        await expectStillReads(local);
      } finally {
        await local.close();
      }
    });

    it('stops OCR at its time budget as bad input, not to be retried, and the next job still works', async () => {
      const budgets: number[] = [];
      const local = new ImageTextAdapter(DEFAULT_INPUT_LIMITS, undefined, (pixels) => {
        budgets.push(pixels);
        return budgets.length === 1 ? 50 : 60_000;
      });
      try {
        const page = await foxPage();
        const { width = 0, height = 0 } = await sharp(page).metadata();
        const harness = createAdapterHarness();
        const input = harness.put(page, { modality: 'image', mediaType: 'image/png' });
        await expect(
          harness.invoke(local, { task: 'ocr', inputs: [input], output: { modality: 'text' } }),
        ).rejects.toMatchObject({ code: 'unprocessable_input', retryable: false, details: { budgetMs: 50 } });
        expect(budgets).toEqual([width * height]);
        await expectStillReads(local);
      } finally {
        await local.close();
      }
    });

    it('refuses bytes that are not an image', async () => {
      const harness = createAdapterHarness();
      const input = harness.put('not an image', { modality: 'image', mediaType: 'image/png' });
      await expect(
        harness.invoke(adapter, { task: 'ocr', inputs: [input], output: { modality: 'text' } }),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
    });

    it('loads the English model from node_modules, gzipped', () => {
      expect(englishLangPath()).toContain(join('node_modules', '@tesseract.js-data', 'eng'));
      expect(existsSync(join(englishLangPath(), 'eng.traineddata.gz'))).toBe(true);
    });
  });

  describe('describe', () => {
    it('describes the PNG fixture as plain text', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
      const result = await harness.invoke(adapter, {
        task: 'describe',
        inputs: [input],
        output: { modality: 'text' },
      });
      const { text, mediaType } = textOutput(result);
      expect(mediaType).toBe('text/plain');
      expect(text).toContain('format: png');
      expect(text).toContain('size: 200x133');
      expect(text).toMatch(/^palette: (#[0-9a-f]{6} \d+%(, )?)+$/m);
    });

    it('describes the PNG fixture as JSON', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
      const result = await harness.invoke(adapter, {
        task: 'describe',
        inputs: [input],
        output: { modality: 'text', mediaType: 'application/json' },
        options: { colours: 3 },
      });
      const value = JSON.parse(textOutput(result).text) as ImageDescription;
      expect(value).toMatchObject({ format: 'png', width: 200, height: 133, displayWidth: 200 });
      expect(value.palette.length).toBeGreaterThan(0);
      expect(value.palette.length).toBeLessThanOrEqual(3);
      expect(value.dominant).toMatch(/^#[0-9a-f]{6}$/);
    });

    it('reports alpha, EXIF orientation and the dominant colour', async () => {
      const harness = createAdapterHarness();
      const red = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } })
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const rotated = harness.put(red, { modality: 'image', mediaType: 'image/jpeg' });
      const json = { modality: 'text' as const, mediaType: 'application/json' };
      const one = JSON.parse(
        textOutput(await harness.invoke(adapter, { task: 'describe', inputs: [rotated], output: json })).text,
      ) as ImageDescription;
      expect(one).toMatchObject({
        format: 'jpeg',
        width: 40,
        height: 20,
        displayWidth: 20,
        displayHeight: 40,
      });
      expect(one).toMatchObject({ orientation: 6, hasAlpha: false, channels: 3 });
      expect(one.palette[0].share).toBe(1);
      expect(one.palette[0].hex).toMatch(/^#f[c-f]0[0-3]0[0-3]$/);

      // Top half fully transparent, bottom half opaque blue.
      const pixels = Buffer.alloc(20 * 20 * 4);
      for (let i = 20 * 10 * 4; i < pixels.length; i += 4) pixels.set([0, 0, 255, 255], i);
      const half = await sharp(pixels, { raw: { width: 20, height: 20, channels: 4 } })
        .png()
        .toBuffer();
      const transparent = harness.put(half, { modality: 'image', mediaType: 'image/png' });
      const result = await harness.invoke(adapter, { task: 'describe', inputs: [transparent], output: json });
      const two = JSON.parse(textOutput(result).text) as ImageDescription;
      expect(two).toMatchObject({ hasAlpha: true, channels: 4, palette: [{ hex: '#0000ff', share: 1 }] });
      expect(two.orientation).toBeUndefined();
    });

    it('refuses a corrupt PNG as unprocessable input', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(fixture('invalid/corrupt.png'), {
        modality: 'image',
        mediaType: 'image/png',
      });
      const error = await harness
        .invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
    });
  });

  it('refuses output media types other than text/plain and application/json, and unknown tasks', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    await expect(
      harness.invoke(adapter, {
        task: 'describe',
        inputs: [input],
        output: { modality: 'text', mediaType: 'text/html' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    await expect(
      harness.invoke(adapter, { task: 'caption', inputs: [input], output: { modality: 'text' } }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('validates options with its schema, dropping unknown keys', () => {
    expect(adapter.options.safeParse({ psm: 2 }).success).toBe(false);
    expect(adapter.options.safeParse({ psm: 14 }).success).toBe(false);
    expect(adapter.options.safeParse({ colours: 0 }).success).toBe(false);
    expect(adapter.options.parse({ psm: 6, lang: 'fra' })).toEqual({ psm: 6, colours: 5 });
  });
});
