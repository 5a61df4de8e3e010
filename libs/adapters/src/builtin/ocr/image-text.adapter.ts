import type { PSM } from 'tesseract.js';
import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import { openImage } from '../sharp/image-input';
import { describeImage, formatDescription } from './describe-image';
import { TesseractEngine, type OcrLanguage, type OcrResult } from './tesseract';

const ADAPTER_ID = 'builtin.image';
const TASKS = ['ocr', 'describe'] as const;
type ImageTextTask = (typeof TASKS)[number];

const INPUT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'];
/** OCR time grows with pixels: 40 MP is a full page at 600 dpi with room to spare. */
const MAX_OCR_PIXELS = 40_000_000;
/**
 * The time OCR may take: a base for starting the worker and loading the model, and a share per
 * megapixel of four times what a dense page took (2.7 megapixels: 28 s of CPU), a little more than
 * it took on a machine busy with other work (85 s); MAX_OCR_PIXELS get 27 minutes.
 */
const OCR_BASE_MS = 30_000;
const OCR_MS_PER_MEGAPIXEL = 40_000;
/** A reading at least this confident (0..100) ends the automatic language search. */
const CONFIDENT = 80;
/** sharp's own default pixel limit, for describe. */
const MAX_DESCRIBE_PIXELS = 268_402_689;

export const ImageTextOptionsSchema = z.object({
  /**
   * ocr: tesseract page segmentation mode, 3 (automatic, the default) to 13 (raw line);
   * 6 is one uniform block, 7 a single line, 8 a single word, 11 sparse text.
   */
  psm: z.number().int().min(3).max(13).optional(),
  /**
   * ocr: `eng`, `chi_sim`, `chi_tra` or a combination (`chi_sim+eng`); when absent, English is
   * read first and, if it reads poorly, Chinese (simplified, then traditional) with English, and
   * the most confident reading is kept.
   */
  language: z
    .string()
    .max(32)
    .regex(
      /^(eng|chi_sim|chi_tra)(\+(eng|chi_sim|chi_tra)){0,2}$/,
      'eng, chi_sim, chi_tra, or a combination such as chi_sim+eng',
    )
    .optional(),
  /** describe: how many palette colours to list. */
  colours: z.number().int().min(1).max(16).default(5),
});
export type ImageTextOptions = z.infer<typeof ImageTextOptionsSchema>;

const capability = (task: ImageTextTask): Capability => ({
  task,
  inputs: ['image'],
  output: 'text',
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes: ['text/plain', 'application/json'],
  limits: { maxPixels: task === 'ocr' ? MAX_OCR_PIXELS : MAX_DESCRIBE_PIXELS },
  // A description is a cheap header-and-stats read; OCR runs a model.
  ...(task === 'describe' ? { costHint: 1, latencyHintMs: 50 } : {}),
});

/**
 * Text from images without a network: `ocr` reads English text with tesseract.js (WASM, one worker
 * reused across jobs, its model read from the @tesseract.js-data/eng package), `describe` reports
 * format, size, channels, alpha, EXIF orientation and dominant colours with sharp.
 * Text output is plain; ask for application/json for words with confidences and boxes.
 */
export class ImageTextAdapter implements Adapter<ImageTextOptions> {
  readonly options = ImageTextOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      "Image to text without a model server: OCR in English (and Chinese, simplified and traditional, when Debian's traineddata is installed) with tesseract.js, and a description (size, format, channels, alpha, orientation, dominant colours)",
    capabilities: TASKS.map(capability),
    concurrency: 2,
    costHint: 2,
    latencyHintMs: 1500,
  };

  constructor(
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
    private readonly engine = new TesseractEngine(),
    /** How long OCR of an image may take, from its pixels. */
    private readonly ocrBudgetMs = (pixels: number) =>
      Math.ceil(OCR_BASE_MS + (pixels / 1e6) * OCR_MS_PER_MEGAPIXEL),
  ) {}

  async invoke(request: AdapterRequest<ImageTextOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as ImageTextTask;
    const input = requireInput(request, 'image', ADAPTER_ID);
    const json = wantsJson(request.output.mediaType);
    const warnings: string[] = [];

    context.signal.throwIfAborted();
    const source = await context.blobs.read(input.blobId);
    context.signal.throwIfAborted();

    if (task === 'describe') {
      if (options.psm !== undefined) warnings.push('psm is ignored by describe');
      if (options.language !== undefined) warnings.push('language is ignored by describe');
      const image = await openImage(source, this.limits, MAX_DESCRIBE_PIXELS);
      const description = await describeImage(image, options.colours).catch((error: unknown) => {
        context.signal.throwIfAborted();
        throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
      });
      context.signal.throwIfAborted();
      return { outputs: [textResult(json, description, formatDescription(description))], warnings };
    }

    // Decode with sharp first: any format sharp reads, EXIF orientation applied, pixel limit enforced.
    const image = await openImage(source, this.limits, MAX_OCR_PIXELS);
    let png: Buffer;
    let size: { width: number; height: number };
    try {
      const { data, info } = await image
        .open()
        .autoOrient()
        .flatten({ background: '#ffffff' })
        .grayscale()
        .png({ compressionLevel: 1 })
        .toBuffer({ resolveWithObject: true });
      png = data;
      size = { width: info.width, height: info.height };
    } catch (error) {
      context.signal.throwIfAborted();
      throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
    }
    await context.progress(0.1);

    const requested = options.language ? [...new Set(options.language.split('+'))] : undefined;
    const missing = requested?.filter((language) => !this.engine.has(language as OcrLanguage));
    if (missing?.length) {
      throw AdapterError.unprocessable(
        `no OCR model for ${missing.join(', ')} here (apt-get install ${missing.map((l) => `tesseract-ocr-${l.replace('_', '-')}`).join(' ')})`,
      );
    }
    const candidates = requested
      ? [requested.join('+')]
      : [
          'eng',
          ...(['chi_sim', 'chi_tra'] as const).filter((l) => this.engine.has(l)).map((l) => `${l}+eng`),
        ];

    let result: OcrResult | undefined;
    let language = candidates[0];
    const budgetMs = this.ocrBudgetMs(size.width * size.height);
    const overrun = AbortSignal.timeout(budgetMs);
    try {
      for (const [index, languages] of candidates.entries()) {
        const reading = await this.engine.recognize(png, {
          psm: String(options.psm ?? 3) as PSM,
          json,
          languages,
          signal: AbortSignal.any([context.signal, overrun]),
          onProgress: (fraction) =>
            void context
              .progress(0.1 + (0.85 * (index + fraction)) / candidates.length)
              .catch(() => undefined),
        });
        if (!result || reading.confidence > result.confidence) {
          result = reading;
          language = languages;
        }
        if (result.confidence >= CONFIDENT && result.text.trim() !== '') break;
      }
    } catch (error) {
      context.signal.throwIfAborted();
      if (overrun.aborted) {
        // Recognition is deterministic: the same image would take as long again.
        throw new AdapterError(
          'unprocessable_input',
          `the image took too long to read: OCR did not finish within its time budget of ${budgetMs} ms`,
          { details: { budgetMs }, cause: error },
        );
      }
      throw new AdapterError('adapter_failed', `OCR failed: ${errorMessage(error)}`, { cause: error });
    }
    if (!result) throw new AdapterError('adapter_failed', 'OCR gave no reading');
    await context.progress(1);

    const text = result.text.trim();
    if (text === '') warnings.push('no text was found in the image');
    const value = {
      text,
      confidence: result.confidence,
      language,
      psm: options.psm ?? 3,
      width: size.width,
      height: size.height,
      words: result.words,
    };
    return { outputs: [textResult(json, value, text === '' ? '' : `${text}\n`)], warnings };
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}

function textResult(json: boolean, value: unknown, plain: string) {
  return json
    ? {
        modality: 'text' as const,
        mediaType: 'application/json',
        text: `${JSON.stringify(value, null, 2)}\n`,
      }
    : { modality: 'text' as const, mediaType: 'text/plain', text: plain };
}

function wantsJson(mediaType: string | undefined): boolean {
  if (mediaType === undefined) return false;
  const type = baseMediaType(mediaType);
  if (type === 'application/json') return true;
  if (type === 'text/plain') return false;
  throw AdapterError.unprocessable(`${ADAPTER_ID} writes text/plain or application/json, not ${type}`);
}
