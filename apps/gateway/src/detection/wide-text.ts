/**
 * UTF-16 and UTF-32 text, recognised by its byte-order mark, so that it is refused as text in an
 * encoding the gateway does not read rather than taken for what its first bytes resemble (FF FE,
 * the UTF-16LE mark, passes for an MPEG audio frame header).
 */

interface WideEncoding {
  name: 'UTF-32LE' | 'UTF-32BE' | 'UTF-16LE' | 'UTF-16BE';
  bom: number[];
  unit: 2 | 4;
  littleEndian: boolean;
}

// UTF-32LE first: its mark begins with UTF-16LE's.
const WIDE_ENCODINGS: WideEncoding[] = [
  { name: 'UTF-32LE', bom: [0xff, 0xfe, 0x00, 0x00], unit: 4, littleEndian: true },
  { name: 'UTF-32BE', bom: [0x00, 0x00, 0xfe, 0xff], unit: 4, littleEndian: false },
  { name: 'UTF-16LE', bom: [0xff, 0xfe], unit: 2, littleEndian: true },
  { name: 'UTF-16BE', bom: [0xfe, 0xff], unit: 2, littleEndian: false },
];

/** Code units read after the mark to tell text from binary data that starts the same way. */
const UNITS_CHECKED = 512;
/** Share of those units that must be printable characters of common scripts. */
const MIN_TEXT_SHARE = 0.9;

/**
 * The encoding a UTF-16/UTF-32 byte-order mark announces, when the code units after it read as
 * text (no control characters but tab, line feed and carriage return; nine in ten in the
 * printable ranges of common scripts); else undefined.
 */
export function wideTextEncoding(sample: Buffer): WideEncoding['name'] | undefined {
  const encoding = WIDE_ENCODINGS.find(({ bom }) => bom.every((byte, i) => sample[i] === byte));
  if (!encoding) return undefined;
  const { bom, unit, littleEndian } = encoding;
  const units = Math.min(UNITS_CHECKED, Math.floor((sample.length - bom.length) / unit));
  if (units === 0) return undefined;
  let text = 0;
  for (let i = 0, at = bom.length; i < units; i++, at += unit) {
    const code =
      unit === 2
        ? littleEndian
          ? sample.readUInt16LE(at)
          : sample.readUInt16BE(at)
        : littleEndian
          ? sample.readUInt32LE(at)
          : sample.readUInt32BE(at);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return undefined;
    if (isTextCode(code)) text++;
  }
  return text >= MIN_TEXT_SHARE * units ? encoding.name : undefined;
}

/** Printable ASCII and whitespace, Latin to CJK (with surrogates), Hangul, full-width forms. */
function isTextCode(code: number): boolean {
  return (
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xdfff) ||
    (code >= 0xff00 && code <= 0xffef) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
