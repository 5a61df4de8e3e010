import { afterAll, describe, expect, it } from 'vitest';
import { findSystemTools } from '../system-tools';
import { createAdapterHarness, textOutput } from '../testing';
import { ImageTextAdapter } from './image-text.adapter';
import { TesseractEngine } from './tesseract';
import { renderText } from './ocr.testing';

const { tools } = findSystemTools();

/** Black text in `font` at 10 pt (Noto CJK from fonts-noto-cjk for Chinese). */
const renderCjk = (text: string, font: string) => renderText(text, `${font} 10`);

const SIMPLIFIED = '全模态大模型能够理解语音和图像';
const TRADITIONAL = '全模態大模型能夠理解語音和圖像';
const ENGLISH = 'Ask not what your country can do for you';

/** What OCR read, with the spaces tesseract may put between CJK characters removed. */
const squeezed = (text: string) => text.replace(/\s+/g, '');

describe.skipIf(!tools.tessdata.chi_sim || !tools.tessdata.chi_tra)(
  'OCR in Chinese (Debian traineddata)',
  () => {
    // One adapter (one tesseract worker) for the file.
    const adapter = new ImageTextAdapter(undefined, new TesseractEngine(undefined, tools.tessdata));
    afterAll(() => adapter.close());

    const read = async (image: Buffer, language?: string) => {
      const harness = createAdapterHarness();
      const input = harness.put(image, { modality: 'image', mediaType: 'image/png' });
      const result = await harness.invoke(adapter, {
        task: 'ocr',
        inputs: [input],
        output: { modality: 'text', mediaType: 'application/json' },
        options: language ? { language } : {},
      });
      return JSON.parse(textOutput(result).text) as { text: string; language: string; confidence: number };
    };

    it('reads simplified Chinese exactly with language chi_sim', async () => {
      const value = await read(await renderCjk(SIMPLIFIED, 'Noto Sans CJK SC'), 'chi_sim');
      expect(squeezed(value.text)).toBe(SIMPLIFIED);
      expect(value.language).toBe('chi_sim');
    });

    it('reads traditional Chinese exactly with language chi_tra', async () => {
      const value = await read(await renderCjk(TRADITIONAL, 'Noto Sans CJK TC'), 'chi_tra');
      expect(squeezed(value.text)).toBe(TRADITIONAL);
    });

    it('without a language: English stays English, Chinese is found', async () => {
      const english = await read(await renderCjk(ENGLISH, 'DejaVu Sans'));
      expect(english.language).toBe('eng');
      expect(english.text.trim()).toBe(ENGLISH);
      const chinese = await read(await renderCjk(SIMPLIFIED, 'Noto Sans CJK SC'));
      expect(chinese.language).toBe('chi_sim+eng');
      expect(squeezed(chinese.text)).toBe(SIMPLIFIED);
    });

    it('refuses a language whose model is absent, naming the package', async () => {
      const english = new ImageTextAdapter(undefined, new TesseractEngine(undefined, {}));
      const harness = createAdapterHarness();
      const input = harness.put(await renderCjk(ENGLISH, 'DejaVu Sans'), {
        modality: 'image',
        mediaType: 'image/png',
      });
      await expect(
        harness.invoke(english, {
          task: 'ocr',
          inputs: [input],
          output: { modality: 'text' },
          options: { language: 'chi_tra' },
        }),
      ).rejects.toThrow(/tesseract-ocr-chi-tra/);
      await english.close();
      expect(adapter.options.safeParse({ language: 'fra' }).success).toBe(false);
      expect(adapter.options.safeParse({ language: 'chi_sim+eng' }).success).toBe(true);
    });
  },
);
