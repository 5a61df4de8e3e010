/*
 * Audio and video fuzz cases from the shared fixtures, mild where ffprobe reads them: WAV (every
 * numeric field of the RIFF and fmt headers, the data size both ways, extra chunks; cut at every
 * chunk boundary), MP4 (box sizes and the mvhd / mdhd durations; cut at every box), Ogg (page
 * granule positions and sizes; cut at every page), MP3 (the ID3 size) and WebM (cut at the top
 * elements), and WAVs at and just over LIMIT_MEDIA_DURATION_S with all their bytes.
 */
import {
  chunk,
  WAV_NUMERIC_FIELDS,
  wavFile,
  withBinaryField,
} from '../../libs/adapters/src/codecs/signal/test-files';
import { fixture } from '../fixtures';
import { cutsAt, FUZZ_LIMITS, MEGABYTE, overLimit, type FuzzCase, type FuzzExpectation } from './fuzz-case';

const U32 = [
  { label: '0', value: 0 },
  { label: '1', value: 1 },
  { label: '-1', value: 0xffffffff },
  { label: '2^31-1', value: 0x7fffffff },
];

function media(
  name: string,
  bytes: Buffer,
  filename: string,
  mediaType: string,
  expect: FuzzExpectation,
): FuzzCase {
  return { name, bytes, filename, mediaType, expect };
}

function wavCases(): FuzzCase[] {
  const wav = fixture('audio/fixture.wav');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation) =>
    media(`WAV ${name}`, bytes, 'audio.wav', 'audio/wav', expect);
  const cases: FuzzCase[] = [named('valid', wav, 'ok')];
  for (const field of WAV_NUMERIC_FIELDS) {
    const values =
      field.width === 2
        ? [
            { label: '0', value: 0 },
            { label: '1', value: 1 },
            { label: '2^16-1', value: 0xffff },
          ]
        : U32.filter((v) => v.label !== '1');
    for (const { label, value } of values) {
      cases.push(named(`${field.name}=${label}`, withBinaryField(wav, field, value), 'ok-or-4xx'));
    }
  }
  const dataSize = WAV_NUMERIC_FIELDS.find((f) => f.name === 'data size')!;
  const declared = wav.readUInt32LE(dataSize.offset);
  cases.push(
    named('data size > bytes', withBinaryField(wav, dataSize, declared * 2), 'ok-or-4xx'),
    named('data size < bytes', withBinaryField(wav, dataSize, Math.floor(declared / 2)), 'ok'),
    named(
      'a 1 MB LIST chunk before fmt',
      Buffer.concat([wav.subarray(0, 12), chunk('LIST', Buffer.alloc(MEGABYTE, 0x20)), wav.subarray(12)]),
      'ok',
    ),
    named(
      'empty junk chunks repeated to 1 MB before fmt',
      Buffer.concat([
        wav.subarray(0, 12),
        ...Array.from({ length: MEGABYTE / 8 }, () => chunk('JUNK', Buffer.alloc(0))),
        wav.subarray(12),
      ]),
      'ok-or-4xx',
    ),
  );
  cases.push(
    ...cutsAt(
      'WAV',
      wav,
      [
        { at: 4, what: 'after RIFF' },
        { at: 8, what: 'after the RIFF size' },
        { at: 12, what: 'after WAVE' },
        { at: 20, what: 'after the fmt chunk header' },
        { at: 36, what: 'after fmt' },
        { at: 44, what: 'after the data chunk header' },
        { at: 45, what: 'half a sample' },
        { at: Math.floor(wav.length / 2), what: 'inside data' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'audio.wav', mediaType: 'audio/wav' })),
  );
  return cases;
}

/** WAVs of LIMIT_MEDIA_DURATION_S seconds and one second more: 8-bit mono at 100 Hz, every byte present. */
export function overLimitMedia(): FuzzCase[] {
  const limit = FUZZ_LIMITS.mediaDurationS;
  return [limit, limit + 1].map((seconds) =>
    media(
      `WAV of ${seconds} s (LIMIT_MEDIA_DURATION_S=${limit})`,
      wavFile({
        formatTag: 1,
        channels: 1,
        sampleRateHz: 100,
        bitsPerSample: 8,
        data: Buffer.alloc(100 * seconds, 128),
      }),
      'audio.wav',
      'audio/wav',
      seconds > limit ? overLimit('mediaDurationS') : 'ok',
    ),
  );
}

/** MP4 boxes down to `mdia`: offset, type and size. */
function mp4Boxes(
  mp4: Buffer,
  start = 0,
  end = mp4.length,
): { offset: number; type: string; size: number }[] {
  const boxes = [];
  for (let at = start; at + 8 <= end;) {
    const size = mp4.readUInt32BE(at);
    const type = mp4.toString('latin1', at + 4, at + 8);
    boxes.push({ offset: at, type, size });
    if (['moov', 'trak', 'mdia'].includes(type)) boxes.push(...mp4Boxes(mp4, at + 8, at + size));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

function mp4Cases(): FuzzCase[] {
  const mp4 = fixture('video/fixture.mp4');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation) =>
    media(`MP4 ${name}`, bytes, 'video.mp4', 'video/mp4', expect);
  // Each MP4 case costs an ffprobe run: the top-level boxes, the movie header and the first track's.
  const all = mp4Boxes(mp4);
  const firstTrak = all.find((b) => b.type === 'trak')!;
  const boxes = all.filter(
    (b) =>
      ['ftyp', 'moov', 'mvhd', 'mdat'].includes(b.type) ||
      (b.offset >= firstTrak.offset && b.offset < firstTrak.offset + firstTrak.size && b.type !== 'edts'),
  );
  const cases: FuzzCase[] = [named('valid', mp4, 'ok')];
  boxes.forEach((box, index) => {
    for (const { label, value } of [
      ...U32.filter((v) => v.label !== '1'),
      { label: 'bytes+1', value: box.size + 1 },
    ]) {
      const bytes = Buffer.from(mp4);
      bytes.writeUInt32BE(value >>> 0, box.offset);
      cases.push(named(`${box.type}#${index} size=${label}`, bytes, 'ok-or-4xx'));
    }
  });
  // Version-0 mvhd and mdhd: timescale at +20, duration at +24 (32 bits each).
  for (const box of boxes.filter((b) => b.type === 'mvhd' || b.type === 'mdhd').slice(0, 2)) {
    for (const [field, offset] of [
      ['timescale', 20],
      ['duration', 24],
    ] as const) {
      for (const { label, value } of U32) {
        const bytes = Buffer.from(mp4);
        bytes.writeUInt32BE(value >>> 0, box.offset + offset);
        // The movie's duration over 600 s (LIMIT_MEDIA_DURATION_S) is refused from the header.
        const over =
          box.type === 'mvhd' &&
          field === 'duration' &&
          value / mp4.readUInt32BE(box.offset + 20) > FUZZ_LIMITS.mediaDurationS;
        cases.push(
          named(
            `${box.type}@${box.offset} ${field}=${label}`,
            bytes,
            over ? overLimit('mediaDurationS') : 'ok-or-4xx',
          ),
        );
      }
    }
  }
  const ends = boxes.flatMap((b) => [
    { at: b.offset + 8, what: `after the ${b.type} header` },
    { at: b.offset + b.size, what: `after ${b.type}` },
  ]);
  cases.push(
    ...cutsAt('MP4', mp4, ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'video.mp4',
      mediaType: 'video/mp4',
    })),
  );
  return cases;
}

/** Ogg's page checksum: CRC-32 of polynomial 0x04C11DB7, unreflected, over the page with its CRC field zeroed. */
function withOggCrc(ogg: Buffer, page: number): Buffer {
  const segments = ogg[page + 26];
  let length = 27 + segments;
  for (let k = 0; k < segments; k++) length += ogg[page + 27 + k];
  const end = Math.min(ogg.length, page + length);
  ogg.writeUInt32LE(0, page + 22);
  let crc = 0;
  for (let at = page; at < end; at++) {
    crc ^= ogg[at] << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  ogg.writeUInt32LE(crc >>> 0, page + 22);
  return ogg;
}

function oggCases(): FuzzCase[] {
  const ogg = fixture('audio/fixture.ogg');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation) =>
    media(`Ogg ${name}`, bytes, 'audio.ogg', 'audio/ogg', expect);
  const pages: number[] = [];
  for (let at = ogg.indexOf('OggS'); at >= 0; at = ogg.indexOf('OggS', at + 4)) pages.push(at);
  const cases: FuzzCase[] = [named('valid', ogg, 'ok')];
  // The first page (the codec header) and the last (whose granule gives the duration).
  [0, pages.length - 1].forEach((index) => {
    const page = pages[index];
    // The granule position (64 bits at +6) of the last page gives the duration.
    for (const [label, value] of [
      ['0', 0n],
      ['-1', 0xffffffffffffffffn],
      ['2^63-1', 2n ** 63n - 1n],
    ] as const) {
      const bytes = Buffer.from(ogg);
      bytes.writeBigUInt64LE(value, page + 6);
      cases.push(named(`page ${index} granule=${label}`, withOggCrc(bytes, page), 'ok-or-4xx'));
    }
    for (const value of [0, 255]) {
      const bytes = Buffer.from(ogg);
      bytes[page + 26] = value;
      cases.push(named(`page ${index} segments=${value}`, withOggCrc(bytes, page), 'ok-or-4xx'));
    }
  });
  const ends = pages.flatMap((page, index) => [
    { at: page + 4, what: `after capture pattern ${index}` },
    { at: page + 27, what: `after page header ${index}` },
  ]);
  ends.push({ at: ogg.length - 1, what: 'one byte short' });
  cases.push(
    ...cutsAt('Ogg', ogg, ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'audio.ogg',
      mediaType: 'audio/ogg',
    })),
  );
  return cases;
}

/** The ID3v2 tag size is 4 × 7 bits at offset 6. */
function mp3Cases(): FuzzCase[] {
  const mp3 = fixture('audio/fixture.mp3');
  const named = (name: string, bytes: Buffer, expect: FuzzExpectation) =>
    media(`MP3 ${name}`, bytes, 'audio.mp3', 'audio/mpeg', expect);
  const id3 = (size: number) => {
    const bytes = Buffer.from(mp3);
    for (let k = 0; k < 4; k++) bytes[6 + k] = (size >>> (7 * (3 - k))) & 0x7f;
    return bytes;
  };
  const tagEnd = 10 + mp3.subarray(6, 10).reduce((size, b) => (size << 7) | b, 0);
  return [
    named('valid', mp3, 'ok'),
    named('ID3 size=0', id3(0), 'ok-or-4xx'),
    named('ID3 size=2^28-1', id3(2 ** 28 - 1), 'ok-or-4xx'),
    named('ID3 size=bytes', id3(mp3.length), 'ok-or-4xx'),
    named(
      '1 MB of zero padding after ID3',
      Buffer.concat([mp3.subarray(0, tagEnd), Buffer.alloc(MEGABYTE), mp3.subarray(tagEnd)]),
      'ok-or-4xx',
    ),
    ...cutsAt(
      'MP3',
      mp3,
      [
        { at: 10, what: 'after the ID3 header' },
        { at: tagEnd, what: 'after the ID3 tag' },
        { at: tagEnd + 4, what: 'after the first frame header' },
        { at: Math.floor(mp3.length / 2), what: 'inside the frames' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'audio.mp3', mediaType: 'audio/mpeg' })),
  ];
}

function webmCases(): FuzzCase[] {
  const webm = fixture('video/fixture.webm');
  const segment = webm.indexOf(Buffer.from([0x18, 0x53, 0x80, 0x67]));
  const cluster = webm.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
  return [
    media('WebM valid', webm, 'video.webm', 'video/webm', 'ok'),
    ...cutsAt(
      'WebM',
      webm,
      [
        { at: 4, what: 'after the EBML id' },
        { at: segment, what: 'before Segment' },
        { at: segment + 12, what: 'after the Segment header' },
        { at: cluster, what: 'before the first Cluster' },
        { at: cluster + 8, what: 'after the Cluster header' },
        { at: Math.floor(webm.length / 2), what: 'inside the clusters' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'video.webm', mediaType: 'video/webm' })),
  ];
}

/** Every audio and video case, grouped by the fixture it comes from. */
export function audioVideoCaseGroups(): { base: string; cases: FuzzCase[] }[] {
  return [
    { base: 'fixture.wav', cases: wavCases() },
    { base: 'fixture.mp4', cases: mp4Cases() },
    { base: 'fixture.ogg', cases: oggCases() },
    { base: 'fixture.mp3', cases: mp3Cases() },
    { base: 'fixture.webm', cases: webmCases() },
  ];
}
