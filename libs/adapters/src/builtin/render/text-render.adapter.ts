import { decodeUtf8 } from '../../sdk/utf8';
import sharp from 'sharp';
import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { parseOptions, requireInput } from '../inputs';
import { breakLongRuns, escapePangoMarkup, printableText } from './pango-text';

const ADAPTER_ID = 'builtin.render';

/** Pango points equal pixels at 72 dpi, so `fontSize` is also the nominal pixel size. */
const DPI = 72;
const MAX_TEXT_BYTES = 64 * 1024;
/** Bound on the drawn area (RGBA while drawing): 40 MP is 160 MB, a worker must not allocate gigabytes. */
const MAX_PIXELS = 40_000_000;

const hexColour = z
  .string()
  .regex(/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i, 'a colour is #rgb or #rrggbb')
  .transform((value) => expandHexColour(value));

export const TextRenderOptionsSchema = z.object({
  /** Width of the text box in pixels; lines wrap at this width (at words, or inside a word if needed). */
  width: z.number().int().min(16).max(8192).default(800),
  /** Background colour, #rgb or #rrggbb. */
  background: hexColour.default('#ffffff'),
  /** Text colour, #rgb or #rrggbb. */
  color: hexColour.default('#000000'),
  /** Font size in points (pixels at the 72 dpi used here). */
  fontSize: z.number().positive().max(512).default(24),
  /** Font family, resolved by fontconfig; glyphs it lacks (CJK, ...) fall back to any font that has them. */
  font: z
    .string()
    .regex(/^[\p{L}\p{N} _.,-]{1,100}$/u, 'a font family is letters, digits, spaces and _ . , -')
    .default('sans'),
  /** Padding around the text box, in pixels. */
  padding: z.number().int().min(0).max(1024).default(24),
  align: z.enum(['left', 'centre', 'center', 'right']).default('left'),
});
export type TextRenderOptions = z.infer<typeof TextRenderOptionsSchema>;

/** Renders UTF-8 text, any script the system fonts cover, onto a PNG with Pango via sharp. */
export class TextRenderAdapter implements Adapter<TextRenderOptions> {
  readonly options = TextRenderOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description: 'Text rendered onto a PNG image (Pango, wrapped, any script the installed fonts cover)',
    capabilities: [
      {
        task: 'render',
        inputs: ['text'],
        output: 'image',
        outputMediaTypes: ['image/png'],
        limits: { maxBytes: MAX_TEXT_BYTES },
      },
    ],
    concurrency: 2,
    costHint: 1,
    latencyHintMs: 100,
  };

  async invoke(request: AdapterRequest<TextRenderOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'text', ADAPTER_ID);
    const requested = request.output.mediaType;
    if (requested !== undefined && !/^image\/png\s*(;|$)/i.test(requested)) {
      throw new AdapterError('unprocessable_input', `${ADAPTER_ID} writes image/png, not ${requested}`);
    }

    context.signal.throwIfAborted();
    const bytes = await context.blobs.read(input.blobId);
    if (bytes.length > MAX_TEXT_BYTES) {
      throw new AdapterError(
        'payload_too_large',
        `text of ${bytes.length} bytes is longer than the ${MAX_TEXT_BYTES} bytes rendered`,
        { details: { max: MAX_TEXT_BYTES, actual: bytes.length } },
      );
    }
    // A file's final newline would otherwise add an empty line under the text.
    const text = printableText(decodeUtf8(bytes)).trimEnd();
    if (text === '') {
      throw AdapterError.unprocessable('the text to render is empty');
    }
    const estimate = estimatedPixels(text, options);
    if (estimate > MAX_PIXELS) {
      throw AdapterError.unprocessable(
        `the text would render to about ${Math.round(estimate / 1e6)} megapixels, over the ${MAX_PIXELS / 1e6} allowed; ` +
          'send less text or use a smaller fontSize or width',
      );
    }
    context.signal.throwIfAborted();

    const data = await renderText(text, options);
    return { outputs: [{ modality: 'image', mediaType: 'image/png', data }] };
  }
}

async function renderText(text: string, options: TextRenderOptions): Promise<Buffer> {
  let glyphs: { data: Buffer; info: sharp.OutputInfo };
  try {
    glyphs = await sharp({
      text: {
        text: `<span foreground="${options.color}">${escapePangoMarkup(breakLongRuns(text))}</span>`,
        font: `${options.font} ${options.fontSize}`,
        width: options.width,
        dpi: DPI,
        rgba: true,
        wrap: 'word-char',
        align: options.align,
      },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    // Cairo refuses surfaces over 32767 px, which long text at a narrow width can reach.
    throw AdapterError.unprocessable(
      `cannot render the text (too long for this width and font size?): ${errorMessage(error)}`,
      error,
    );
  }

  // The text image is cropped to its lines; place it in the box as the alignment says.
  const boxWidth = Math.max(options.width, glyphs.info.width);
  const slack = boxWidth - glyphs.info.width;
  const offset = options.align === 'left' ? 0 : options.align === 'right' ? slack : Math.floor(slack / 2);
  return sharp({
    create: {
      width: boxWidth + 2 * options.padding,
      height: glyphs.info.height + 2 * options.padding,
      channels: 3,
      background: options.background,
    },
  })
    .composite([{ input: glyphs.data, left: options.padding + offset, top: options.padding }])
    .png()
    .toBuffer();
}

/**
 * A generous estimate of the drawn area, made before drawing: wide (CJK) characters one em,
 * others 0.6 em, a tab 8 em, lines 1.3 em apart, each paragraph rounded up to whole lines.
 */
function estimatedPixels(text: string, options: TextRenderOptions): number {
  const em = (options.fontSize * DPI) / 72;
  let lines = 0;
  for (const paragraph of text.split('\n')) {
    let ems = 0;
    for (const char of paragraph) {
      const code = char.codePointAt(0) ?? 0;
      ems += char === '\t' ? 8 : code >= 0x2e80 ? 1 : 0.6;
    }
    lines += Math.max(1, Math.ceil((ems * em) / options.width));
  }
  const width = Math.max(options.width, em) + 2 * options.padding;
  return width * (lines * 1.3 * em + 2 * options.padding);
}

function expandHexColour(value: string): string {
  const hex = value.slice(1).toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((digit) => digit + digit).join('')}` : `#${hex}`;
}
