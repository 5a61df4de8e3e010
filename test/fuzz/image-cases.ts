/*
 * Image fuzz cases from the shared fixtures: PNG (IHDR width, height, bit depth and colour type,
 * chunk lengths, CRCs; cut at every chunk boundary), JPEG (SOF dimensions, segment lengths; cut
 * at every segment), GIF (logical screen and first frame sizes) and WebP (RIFF and VP8 sizes,
 * frame size). Chunks are parsed and rewritten with their CRC recomputed, unless the case is
 * about the CRC; a size over LIMIT_IMAGE_PIXELS must be refused from the header with 413.
 */
import { crc32 } from 'node:zlib';
import { fixture } from '../fixtures';
import { cutsAt, FUZZ_LIMITS, overLimit, type FuzzCase, type FuzzExpectation } from './fuzz-case';

/** One PNG chunk: where its length field starts, its type and its data. */
interface PngChunk {
  offset: number;
  type: string;
  data: Buffer;
}

function pngChunks(png: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    chunks.push({
      offset: at,
      type: png.toString('latin1', at + 4, at + 8),
      data: png.subarray(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return chunks;
}

function pngChunk(type: string, data: Buffer, length = data.length): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(length >>> 0, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** The PNG with chunk `index` replaced (its CRC recomputed). */
function withPngChunk(png: Buffer, chunks: PngChunk[], index: number, replacement: Buffer): Buffer {
  const c = chunks[index];
  return Buffer.concat([png.subarray(0, c.offset), replacement, png.subarray(c.offset + 12 + c.data.length)]);
}

/** Unsigned 32-bit edges (the PNG and RIFF fields are unsigned: -1 is 0xffffffff). */
const U32 = [
  { label: '0', value: 0 },
  { label: '1', value: 1 },
  { label: '-1', value: 0xffffffff },
  { label: '2^31-1', value: 0x7fffffff },
  { label: '2^32-1', value: 0xffffffff - 1 },
];
const U16 = [
  { label: '0', value: 0 },
  { label: '1', value: 1 },
  { label: '2^15-1', value: 0x7fff },
  { label: '2^16-1', value: 0xffff },
];

const PIXELS_OVER = FUZZ_LIMITS.imagePixels + 1;

function pngCases(): FuzzCase[] {
  const png = fixture('image/fixture.png');
  const chunks = pngChunks(png);
  const ihdr = chunks[0].data;
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation): FuzzCase => ({
    name: `PNG ${name}`,
    bytes,
    filename: 'image.png',
    mediaType: 'image/png',
    expect,
  });
  const withIhdr = (change: (data: Buffer) => void) => {
    const data = Buffer.from(ihdr);
    change(data);
    return withPngChunk(png, chunks, 0, pngChunk('IHDR', data));
  };
  const cases: FuzzCase[] = [named('valid', png, 'ok')];
  for (const [field, offset] of [
    ['width', 0],
    ['height', 4],
  ] as const) {
    for (const { label, value } of U32) {
      const other = field === 'width' ? ihdr.readUInt32BE(4) : ihdr.readUInt32BE(0);
      const over = value > 0 && value <= 0x7fffffff && value * other > FUZZ_LIMITS.imagePixels;
      // Over 2^31-1 a PNG is invalid whatever its size: sharp refuses it (422).
      cases.push(
        named(
          `IHDR ${field}=${label}`,
          withIhdr((d) => d.writeUInt32BE(value >>> 0, offset)),
          over ? overLimit('imagePixels') : value === 0 || value > 0x7fffffff ? '4xx' : 'ok-or-4xx',
        ),
      );
    }
  }
  cases.push(
    named(
      `IHDR ${PIXELS_OVER}×1 (LIMIT_IMAGE_PIXELS + 1)`,
      withIhdr((d) => {
        d.writeUInt32BE(PIXELS_OVER, 0);
        d.writeUInt32BE(1, 4);
      }),
      overLimit('imagePixels'),
    ),
    named(
      `IHDR 10000×10000 (LIMIT_IMAGE_PIXELS exactly, data for 200×133)`,
      withIhdr((d) => {
        d.writeUInt32BE(10_000, 0);
        d.writeUInt32BE(10_000, 4);
      }),
      'ok-or-4xx',
    ),
  );
  for (const [field, offset, values] of [
    ['bit depth', 8, [0, 1, 3, 16, 255]],
    ['colour type', 9, [1, 5, 7, 255]],
    ['compression', 10, [1, 255]],
    ['filter', 11, [1, 255]],
    ['interlace', 12, [1, 2, 255]],
  ] as const) {
    for (const value of values) {
      cases.push(
        named(
          `IHDR ${field}=${value}`,
          withIhdr((d) => d.writeUInt8(value, offset)),
          // Detection reads the size only; a decoder may read around a field it does not need.
          'ok-or-4xx',
        ),
      );
    }
  }
  // Chunk lengths that disagree with the bytes: every chunk's length field set to each edge, the CRC left as it was.
  chunks.forEach((chunk) => {
    for (const { label, value } of [...U32, { label: 'bytes+1', value: chunk.data.length + 1 }]) {
      if (value === chunk.data.length) continue;
      const bytes = Buffer.from(png);
      bytes.writeUInt32BE(value >>> 0, chunk.offset);
      // Only IHDR is read to detect; a broken IDAT or IEND shows when the pixels are decoded.
      cases.push(named(`${chunk.type} length=${label}`, bytes, chunk.type === 'IHDR' ? '4xx' : 'ok-or-4xx'));
    }
    const bytes = Buffer.from(png);
    const crcAt = chunk.offset + 8 + chunk.data.length;
    bytes.writeUInt32BE((bytes.readUInt32BE(crcAt) ^ 1) >>> 0, crcAt);
    cases.push(named(`${chunk.type} CRC wrong`, bytes, 'ok-or-4xx'));
  });
  cases.push(
    named(
      'IDAT repeated to 1 MB of empty chunks',
      Buffer.concat([
        png.subarray(0, chunks[1].offset),
        ...Array.from({ length: 1_000_000 / 12 }, () => pngChunk('IDAT', Buffer.alloc(0))),
        png.subarray(chunks[1].offset),
      ]),
      'ok-or-4xx',
    ),
    named(
      'a 1 MB tEXt chunk before IDAT',
      Buffer.concat([
        png.subarray(0, chunks[1].offset),
        pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(1_000_000, 0x20)])),
        png.subarray(chunks[1].offset),
      ]),
      'ok',
    ),
  );
  const ends = chunks.flatMap((c) => [
    { at: c.offset + 4, what: `after the ${c.type} length` },
    { at: c.offset + 8, what: `after the ${c.type} type` },
    { at: c.offset + 8 + Math.floor(c.data.length / 2), what: `inside ${c.type}` },
    { at: c.offset + 8 + c.data.length, what: `before the ${c.type} CRC` },
  ]);
  ends.push({ at: 4, what: 'inside the signature' }, { at: 8, what: 'after the signature' });
  cases.push(
    ...cutsAt('PNG', png, ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'image.png',
      mediaType: 'image/png',
      // Cut before IHDR ends, there is no size to read; after it, only decoding finds the rest missing.
      ...(c.bytes.length < 33 ? { expect: '4xx' as const } : {}),
    })),
  );
  return cases;
}

/** JPEG segments up to the start of scan: marker offset, marker byte and length. */
function jpegSegments(jpg: Buffer): { offset: number; marker: number; length: number }[] {
  const segments = [];
  for (let at = 2; at + 4 <= jpg.length;) {
    const marker = jpg[at + 1];
    const length = jpg.readUInt16BE(at + 2);
    segments.push({ offset: at, marker, length });
    if (marker === 0xda) break;
    at += 2 + length;
  }
  return segments;
}

function jpegCases(): FuzzCase[] {
  const jpg = fixture('image/fixture.jpg');
  const segments = jpegSegments(jpg);
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation): FuzzCase => ({
    name: `JPEG ${name}`,
    bytes,
    filename: 'image.jpg',
    mediaType: 'image/jpeg',
    expect,
  });
  const cases: FuzzCase[] = [named('valid', jpg, 'ok')];
  const sof = segments.find((s) => s.marker === 0xc0)!;
  for (const [field, offset] of [
    ['height', 5],
    ['width', 7],
  ] as const) {
    const other = jpg.readUInt16BE(sof.offset + (field === 'height' ? 7 : 5));
    for (const { label, value } of U16) {
      const bytes = Buffer.from(jpg);
      bytes.writeUInt16BE(value, sof.offset + offset);
      const over = value * other > FUZZ_LIMITS.imagePixels;
      // Height 0 is legal JPEG (the DNL marker gives it later): a reader may refuse it or not.
      cases.push(named(`SOF ${field}=${label}`, bytes, over ? overLimit('imagePixels') : 'ok-or-4xx'));
    }
  }
  const huge = Buffer.from(jpg);
  huge.writeUInt16BE(0xffff, sof.offset + 5);
  huge.writeUInt16BE(0xffff, sof.offset + 7);
  cases.push(named('SOF 65535×65535', huge, overLimit('imagePixels')));
  const large = Buffer.from(jpg);
  large.writeUInt16BE(20_000, sof.offset + 5);
  large.writeUInt16BE(20_000, sof.offset + 7);
  cases.push(named('SOF 20000×20000', large, overLimit('imagePixels')));
  for (const segment of segments) {
    const marker = `FF${segment.marker.toString(16).toUpperCase()}`;
    for (const { label, value } of [...U16, { label: 'bytes+1', value: segment.length + 1 }]) {
      if (value === segment.length) continue;
      const bytes = Buffer.from(jpg);
      bytes.writeUInt16BE(value, segment.offset + 2);
      cases.push(named(`${marker} length=${label}`, bytes, 'ok-or-4xx'));
    }
  }
  cases.push(
    named(
      '1 MB of fill bytes before SOF',
      Buffer.concat([jpg.subarray(0, sof.offset), Buffer.alloc(1_000_000, 0xff), jpg.subarray(sof.offset)]),
      'ok-or-4xx',
    ),
    named(
      'APP1 segments repeated to 1 MB',
      Buffer.concat([
        jpg.subarray(0, 2),
        ...Array.from({ length: 1_000_000 / 4 }, () => Buffer.from([0xff, 0xe1, 0x00, 0x02])),
        jpg.subarray(2),
      ]),
      'ok-or-4xx',
    ),
  );
  const ends = segments.flatMap((s) => [
    { at: s.offset + 2, what: `after marker FF${s.marker.toString(16)}` },
    { at: s.offset + 4, what: `after the FF${s.marker.toString(16)} length` },
    { at: s.offset + 2 + s.length, what: `after segment FF${s.marker.toString(16)}` },
  ]);
  ends.push(
    { at: Math.floor(jpg.length / 2), what: 'inside the scan' },
    { at: jpg.length - 2, what: 'before EOI' },
  );
  cases.push(
    ...cutsAt('JPEG', jpg, ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'image.jpg',
      mediaType: 'image/jpeg',
    })),
  );
  return cases;
}

/** Where the first image descriptor (0x2C) is: after the extension blocks (0x21, label, sub-blocks). */
function gifImageDescriptor(gif: Buffer, from: number): number {
  let at = from;
  while (gif[at] === 0x21) {
    at += 2;
    while (gif[at] !== 0) at += gif[at] + 1;
    at += 1;
  }
  if (gif[at] !== 0x2c) throw new Error(`no image descriptor at ${at}`);
  return at;
}

function gifCases(): FuzzCase[] {
  const gif = fixture('image/fixture.gif');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation): FuzzCase => ({
    name: `GIF ${name}`,
    bytes,
    filename: 'image.gif',
    mediaType: 'image/gif',
    expect,
  });
  const cases: FuzzCase[] = [named('valid', gif, 'ok')];
  // The first image descriptor (0x2C) after the global colour table.
  const table = gif[10] & 0x80 ? 3 * 2 ** ((gif[10] & 7) + 1) : 0;
  const descriptor = gifImageDescriptor(gif, 13 + table);
  for (const [field, offset] of [
    ['screen width', 6],
    ['screen height', 8],
    ['frame width', descriptor + 5],
    ['frame height', descriptor + 7],
  ] as const) {
    for (const { label, value } of U16) {
      const bytes = Buffer.from(gif);
      bytes.writeUInt16LE(value, offset);
      cases.push(named(`${field}=${label}`, bytes, 'ok-or-4xx'));
    }
  }
  const huge = Buffer.from(gif);
  for (const offset of [6, 8, descriptor + 5, descriptor + 7]) huge.writeUInt16LE(0xffff, offset);
  cases.push(named('screen and frame 65535×65535', huge, overLimit('imagePixels')));
  cases.push(
    ...cutsAt(
      'GIF',
      gif,
      [
        { at: 6, what: 'after the signature' },
        { at: 13, what: 'after the screen descriptor' },
        { at: 13 + table, what: 'after the colour table' },
        { at: descriptor + 10, what: 'after the image descriptor' },
        { at: Math.floor(gif.length / 2), what: 'inside the image data' },
        { at: gif.length - 1, what: 'before the trailer' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'image.gif', mediaType: 'image/gif' })),
  );
  return cases;
}

function webpCases(): FuzzCase[] {
  const webp = fixture('image/fixture.webp');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation): FuzzCase => ({
    name: `WebP ${name}`,
    bytes,
    filename: 'image.webp',
    mediaType: 'image/webp',
    expect,
  });
  const cases: FuzzCase[] = [named('valid', webp, 'ok')];
  // RIFF size at 4, VP8 chunk size at 16; the lossy frame's 14-bit width and height at 26 and 28.
  for (const [field, offset] of [
    ['RIFF size', 4],
    ['VP8 chunk size', 16],
  ] as const) {
    for (const { label, value } of [...U32, { label: 'bytes+1', value: webp.readUInt32LE(offset) + 1 }]) {
      const bytes = Buffer.from(webp);
      bytes.writeUInt32LE(value >>> 0, offset);
      cases.push(named(`${field}=${label}`, bytes, 'ok-or-4xx'));
    }
  }
  for (const [field, offset] of [
    ['frame width', 26],
    ['frame height', 28],
  ] as const) {
    for (const { label, value } of [...U16.slice(0, 3), { label: '2^14-1', value: 0x3fff }]) {
      const bytes = Buffer.from(webp);
      bytes.writeUInt16LE(value, offset);
      cases.push(named(`${field}=${label}`, bytes, 'ok-or-4xx'));
    }
  }
  cases.push(
    ...cutsAt(
      'WebP',
      webp,
      [
        { at: 4, what: 'after RIFF' },
        { at: 8, what: 'after the RIFF size' },
        { at: 12, what: 'after WEBP' },
        { at: 20, what: 'after the VP8 chunk header' },
        { at: 30, what: 'after the frame header' },
        { at: Math.floor(webp.length / 2), what: 'inside the frame' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'image.webp', mediaType: 'image/webp' })),
  );
  return cases;
}

/** Every image case, grouped by the format it comes from. */
export function imageCaseGroups(): { base: string; cases: FuzzCase[] }[] {
  return [
    { base: 'fixture.png', cases: pngCases() },
    { base: 'fixture.jpg', cases: jpegCases() },
    { base: 'fixture.gif', cases: gifCases() },
    { base: 'fixture.webp', cases: webpCases() },
  ];
}
