import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { declaredImageSize, readBmpHeader } from './image-headers';

function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

describe('declaredImageSize', () => {
  it.each([
    ['png', 'png'],
    ['jpg', 'jpeg'],
    ['gif', 'gif'],
    ['webp', 'webp'],
  ])('reads the size of the %s fixture from its header', (extension, format) => {
    expect(declaredImageSize(fixture(`image/fixture.${extension}`))).toEqual({
      format,
      width: 200,
      height: 133,
    });
  });

  it('reads what a crafted header claims, however large', () => {
    expect(declaredImageSize(pngHeader(100_000, 100_000))).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it('reads a JPEG whose SOF claims 65535 × 65535, which libvips refuses to read at all', () => {
    const jpeg = Buffer.from(fixture('image/fixture.jpg'));
    // The last SOF0 is the picture's (the first is the EXIF thumbnail's).
    const sof = jpeg.lastIndexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(65535, sof + 5);
    jpeg.writeUInt16BE(65535, sof + 7);
    expect(declaredImageSize(jpeg)).toEqual({ format: 'jpeg', width: 65535, height: 65535 });
  });

  it('reads the corrupt PNG, whose IHDR is intact', () => {
    expect(declaredImageSize(fixture('invalid/corrupt.png'))).toMatchObject({ width: 1642, height: 1095 });
  });

  it.each([
    ['a zero width', pngHeader(0, 10)],
    ['a cut header', pngHeader(10, 10).subarray(0, 20)],
    ['text', Buffer.from('hello, world')],
  ])('is undefined for %s', (_what, sample) => {
    expect(declaredImageSize(sample)).toBeUndefined();
  });
});

/** A BMP file header and DIB header, without pixels. */
function bmpHeader(dib: {
  bytes: number;
  width: number;
  height: number;
  bitDepth: number;
  compression?: number;
}): Buffer {
  const header = Buffer.alloc(14 + Math.max(dib.bytes, 56));
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(dib.bytes, 14);
  if (dib.bytes === 12) {
    header.writeUInt16LE(dib.width, 18);
    header.writeUInt16LE(dib.height, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt16LE(dib.bitDepth, 24);
  } else {
    header.writeInt32LE(dib.width, 18);
    header.writeInt32LE(dib.height, 22);
    header.writeUInt16LE(1, 26);
    header.writeUInt16LE(dib.bitDepth, 28);
    header.writeUInt32LE(dib.compression ?? 0, 30);
  }
  return header;
}

describe('readBmpHeader', () => {
  it('reads the fixture', () => {
    expect(readBmpHeader(fixture('image/fixture.bmp'))).toEqual({
      width: 200,
      height: 133,
      bitDepth: 24,
      alpha: false,
    });
  });

  it('reads an OS/2 core header', () => {
    expect(readBmpHeader(bmpHeader({ bytes: 12, width: 64, height: 32, bitDepth: 8 }))).toMatchObject({
      width: 64,
      height: 32,
      bitDepth: 8,
    });
  });

  it('takes the magnitude of a top-down (negative) height', () => {
    expect(readBmpHeader(bmpHeader({ bytes: 40, width: 10, height: -20, bitDepth: 24 }))).toMatchObject({
      width: 10,
      height: 20,
    });
  });

  it('sees an alpha mask in a 32-bit V5 header', () => {
    const header = bmpHeader({ bytes: 124, width: 4, height: 4, bitDepth: 32, compression: 3 });
    header.writeUInt32LE(0xff000000, 66);
    expect(readBmpHeader(header)?.alpha).toBe(true);
  });

  it.each([
    ['a text that starts with BM', Buffer.from('BMW is a car maker, and this line is long enough', 'latin1')],
    ['an unknown DIB header size', bmpHeader({ bytes: 20, width: 1, height: 1, bitDepth: 24 })],
    ['a zero width', bmpHeader({ bytes: 40, width: 0, height: 1, bitDepth: 24 })],
    ['an odd bit depth', bmpHeader({ bytes: 40, width: 1, height: 1, bitDepth: 7 })],
    ['a PNG', fixture('image/fixture.png')],
  ])('is undefined for %s', (_what, sample) => {
    expect(readBmpHeader(sample)).toBeUndefined();
  });
});
