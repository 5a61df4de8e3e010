import { AdapterError } from '../../sdk/adapter-error';

/** How the samples of a WAV file are stored. */
export interface WavFormat {
  encoding: 'int' | 'float';
  channels: number;
  sampleRateHz: number;
  /** Bytes of one frame (one sample of every channel). */
  blockAlign: number;
  /** Bytes each sample occupies (its container). */
  bytesPerSample: number;
  /** Significant bits of each sample (12 for 12-bit samples in 16-bit containers). */
  validBits: number;
}

/** Where a WAV file's samples are, checked against the file size. */
export interface WavLayout {
  format: WavFormat;
  dataOffset: number;
  dataBytes: number;
  /** Whole frames in the data chunk. */
  frames: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The bytes after the format code in every KSDATAFORMAT_SUBTYPE_* GUID the spec defines for tags. */
const SUBTYPE_GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

/** Names of codecs that are refused, for a message that says what was sent. */
const CODEC_NAMES = new Map<number, string>([
  [0x0002, 'Microsoft ADPCM'],
  [0x0006, 'A-law'],
  [0x0007, 'µ-law'],
  [0x0011, 'IMA ADPCM'],
  [0x0031, 'GSM 6.10'],
  [0x0050, 'MPEG'],
  [0x0055, 'MP3'],
]);

/** Whether the bytes open with a RIFF/WAVE header. */
export function isWavMagic(data: Buffer): boolean {
  return (
    data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WAVE'
  );
}

/** Chunk ids as big-endian 32-bit numbers, compared without making strings of every id. */
const FMT_ID = 0x666d7420; // 'fmt '
const DATA_ID = 0x64617461; // 'data'

/**
 * Finds the `fmt ` and `data` chunks of a WAV file and checks them. `head` is the start of the
 * file (the whole file, or a sample of it); `totalBytes` is the size of the whole file, which
 * the data chunk must fit in, or undefined when unknown (the data chunk's size is then taken as
 * declared). Only PCM integer and IEEE float samples are accepted.
 */
export function readWavLayout(head: Buffer, totalBytes: number | undefined): WavLayout {
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'RF64') {
    throw AdapterError.unprocessable('RF64 (WAV over 4 GB) is not supported');
  }
  if (!isWavMagic(head)) throw AdapterError.unprocessable('not a WAV file: no RIFF/WAVE header');
  const end = totalBytes ?? Number.MAX_SAFE_INTEGER;

  let format: WavFormat | undefined;
  let data: { offset: number; bytes: number } | undefined;
  // Each step moves at least 8 bytes forward and stays within `head`, so the walk ends after at
  // most head.length / 8 chunks; no chunk size is used to allocate.
  for (let offset = 12; offset + 8 <= end && (format === undefined || data === undefined);) {
    if (offset + 8 > head.length) throw beyondSample(head.length, format === undefined ? 'fmt ' : 'data');
    const id = head.readUInt32BE(offset);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === FMT_ID && format === undefined) {
      if (body + size > end) throw AdapterError.unprocessable('bad WAV: the fmt chunk runs past the end');
      if (body + size > head.length) throw beyondSample(head.length, 'fmt ');
      format = readFormat(head.subarray(body, body + size));
    } else if (id === DATA_ID && data === undefined) {
      if (body + size > end) {
        throw AdapterError.unprocessable(
          `bad WAV: the data chunk declares ${size} bytes at offset ${body}, past the end of the ` +
            `${end}-byte file (truncated?)`,
        );
      }
      data = { offset: body, bytes: size };
    }
    offset = body + size + (size % 2);
  }
  if (format === undefined) throw AdapterError.unprocessable('bad WAV: no fmt chunk');
  if (data === undefined) throw AdapterError.unprocessable('bad WAV: no data chunk');
  return {
    format,
    dataOffset: data.offset,
    dataBytes: data.bytes,
    frames: Math.floor(data.bytes / format.blockAlign),
  };
}

function readFormat(fmt: Buffer): WavFormat {
  if (fmt.length < 16)
    throw AdapterError.unprocessable(`bad WAV: a ${fmt.length}-byte fmt chunk is too short`);
  let code = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRateHz = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bitsPerSample = fmt.readUInt16LE(14);
  let validBits = bitsPerSample;
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.length < 40 || fmt.readUInt16LE(16) < 22) {
      throw AdapterError.unprocessable('bad WAV: a WAVE_FORMAT_EXTENSIBLE fmt chunk is too short');
    }
    validBits = fmt.readUInt16LE(18) || bitsPerSample;
    if (!fmt.subarray(26, 40).equals(SUBTYPE_GUID_TAIL)) {
      throw AdapterError.unprocessable('unsupported WAV codec: an unknown WAVE_FORMAT_EXTENSIBLE subformat');
    }
    code = fmt.readUInt16LE(24);
  }
  if (code !== WAVE_FORMAT_PCM && code !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = CODEC_NAMES.get(code);
    throw AdapterError.unprocessable(
      `unsupported WAV codec: ${name ?? 'format'} (0x${code.toString(16).padStart(4, '0')}); ` +
        'a WAV signal must hold PCM integer or IEEE float samples',
    );
  }
  if (channels < 1) throw AdapterError.unprocessable('bad WAV: the fmt chunk declares no channels');
  if (sampleRateHz < 1)
    throw AdapterError.unprocessable('bad WAV: the fmt chunk declares a sample rate of 0');
  const bytesPerSample = blockAlign / channels;
  const encoding = code === WAVE_FORMAT_PCM ? 'int' : 'float';
  const sizes = encoding === 'int' ? [1, 2, 3, 4] : [4, 8];
  const fits =
    sizes.includes(bytesPerSample) &&
    bitsPerSample <= 8 * bytesPerSample &&
    bitsPerSample > 8 * (bytesPerSample - 1) &&
    (encoding === 'int' || bitsPerSample === 8 * bytesPerSample) &&
    validBits <= bitsPerSample;
  if (!fits) {
    throw AdapterError.unprocessable(
      `bad or unsupported WAV: ${channels} channels of ${bitsPerSample}-bit ${encoding} samples ` +
        `in ${blockAlign}-byte frames`,
    );
  }
  return { encoding, channels, sampleRateHz, blockAlign, bytesPerSample, validBits };
}

function beyondSample(sampleBytes: number, chunk: string): AdapterError {
  return AdapterError.unprocessable(
    `the WAV "${chunk}" chunk is not within the first ${sampleBytes} bytes given`,
  );
}
