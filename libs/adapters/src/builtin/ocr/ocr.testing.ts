import sharp from 'sharp';

/**
 * Black text drawn by Pango at 300 dpi (in `font`, e.g. 'Noto Sans CJK SC 10', else Pango's
 * default), on white with a 40-pixel margin: a page for OCR to read back.
 */
export async function renderText(text: string, font?: string): Promise<Buffer> {
  const glyphs = await sharp({ text: { text, ...(font ? { font } : {}), dpi: 300, rgba: true } })
    .png()
    .toBuffer({ resolveWithObject: true });
  return sharp({
    create: {
      width: glyphs.info.width + 80,
      height: glyphs.info.height + 80,
      channels: 3,
      background: '#ffffff',
    },
  })
    .composite([{ input: glyphs.data, top: 40, left: 40 }])
    .png()
    .toBuffer();
}
