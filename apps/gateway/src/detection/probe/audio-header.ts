import { type AudioMeta, type ProbeFailure, probeFailure } from './probe-meta';

/**
 * Audio metadata from the format's own header, for when ffprobe is not installed: WAV, AIFF and
 * FLAC (codec, rate, channels, duration), Ogg Vorbis/Opus (codec, rate, channels; duration only
 * when the whole file is in the sample). Other formats give `{ probe: 'header' }` alone. Names
 * follow ffprobe's (format_name, codec_name) so either reading means the same. A duration is
 * never more than the bytes present hold (PCM); a header that claims more is a failure.
 */
export function readAudioHeader(sample: Buffer, totalBytes: number): AudioMeta | ProbeFailure {
  const reading =
    readWav(sample, totalBytes) ??
    readAiff(sample, totalBytes) ??
    readFlac(sample) ??
    readOgg(sample, totalBytes);
  return reading && 'probe' in reading ? reading : { probe: 'header', ...reading };
}

type HeaderReading = Omit<AudioMeta, 'probe'>;

type Chunk = { id: string; offset: number; size: number };

/** RIFF/IFF chunks from `start`, as far as the sample goes (the last one may be cut). */
function chunks(sample: Buffer, start: number, bigEndian: boolean): Chunk[] {
  const found: Chunk[] = [];
  for (let at = start; at + 8 <= sample.length;) {
    const size = bigEndian ? sample.readUInt32BE(at + 4) : sample.readUInt32LE(at + 4);
    found.push({ id: sample.toString('latin1', at, at + 4), offset: at + 8, size });
    at += 8 + size + (size % 2);
  }
  return found;
}

const WAV_PCM = 1;
const WAV_FLOAT = 3;
const WAV_EXTENSIBLE = 0xfffe;
const WAV_CODECS: Readonly<Record<number, string>> = {
  2: 'adpcm_ms',
  6: 'pcm_alaw',
  7: 'pcm_mulaw',
  0x11: 'adpcm_ima_wav',
  0x55: 'mp3',
};
/** A data size a streaming writer leaves when it cannot seek back (and RF64's placeholder). */
const UNKNOWN_RIFF_SIZE = 0xffffffff;

function readWav(sample: Buffer, totalBytes: number): HeaderReading | undefined {
  const riff = sample.toString('latin1', 0, 4);
  if ((riff !== 'RIFF' && riff !== 'RF64') || sample.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  const found = chunks(sample, 12, false);
  const fmt = found.find((c) => c.id === 'fmt ');
  if (!fmt || fmt.offset + 16 > sample.length) return { container: 'wav' };
  let tag = sample.readUInt16LE(fmt.offset);
  const channels = sample.readUInt16LE(fmt.offset + 2);
  const sampleRateHz = sample.readUInt32LE(fmt.offset + 4);
  const byteRate = sample.readUInt32LE(fmt.offset + 8);
  const bits = sample.readUInt16LE(fmt.offset + 14);
  // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID.
  if (tag === WAV_EXTENSIBLE && fmt.size >= 40 && fmt.offset + 26 <= sample.length) {
    tag = sample.readUInt16LE(fmt.offset + 24);
  }
  const data = found.find((c) => c.id === 'data');
  const dataBytes =
    data && (data.size === UNKNOWN_RIFF_SIZE || data.size === 0 || data.offset + data.size > totalBytes)
      ? totalBytes - data.offset
      : data?.size;
  // PCM's rate follows from its layout: a declared byte rate of 1 would stretch a second of sound to days.
  const pcm = tag === WAV_PCM || tag === WAV_FLOAT;
  const rate = pcm ? sampleRateHz * channels * Math.ceil(bits / 8) : byteRate;
  return {
    container: 'wav',
    ...(wavCodec(tag, bits) ? { codec: wavCodec(tag, bits) } : {}),
    ...(sampleRateHz > 0 ? { sampleRateHz } : {}),
    ...(channels > 0 ? { channels } : {}),
    ...(dataBytes && rate > 0 ? { durationS: dataBytes / rate } : {}),
  };
}

function wavCodec(tag: number, bits: number): string | undefined {
  if (tag === WAV_PCM)
    return bits === 8 ? 'pcm_u8' : [16, 24, 32, 64].includes(bits) ? `pcm_s${bits}le` : undefined;
  if (tag === WAV_FLOAT) return [32, 64].includes(bits) ? `pcm_f${bits}le` : undefined;
  return WAV_CODECS[tag];
}

/** AIFF-C compression types (ffmpeg's aiffdec table, the common ones). */
const AIFC_CODECS: Readonly<Record<string, string>> = {
  sowt: 'pcm_s16le',
  fl32: 'pcm_f32be',
  fl64: 'pcm_f64be',
  alaw: 'pcm_alaw',
  ulaw: 'pcm_mulaw',
  ima4: 'adpcm_ima_qt',
};

/** AIFF's sound data chunk: 8 bytes (offset, block size) before the samples. */
const SSND_HEADER_BYTES = 8;

function readAiff(sample: Buffer, totalBytes: number): HeaderReading | ProbeFailure | undefined {
  const form = sample.toString('latin1', 8, 12);
  if (sample.toString('latin1', 0, 4) !== 'FORM' || (form !== 'AIFF' && form !== 'AIFC')) return undefined;
  const found = chunks(sample, 12, true);
  const comm = found.find((c) => c.id === 'COMM');
  if (!comm || comm.offset + 18 > sample.length) return { container: 'aiff' };
  const channels = sample.readInt16BE(comm.offset);
  const frames = sample.readUInt32BE(comm.offset + 2);
  const bits = sample.readInt16BE(comm.offset + 6);
  const sampleRateHz = Math.round(readExtended(sample, comm.offset + 8));
  const compression =
    form === 'AIFC' && comm.offset + 22 <= sample.length
      ? sample.toString('latin1', comm.offset + 18, comm.offset + 22)
      : 'NONE';
  const codec =
    compression === 'NONE' || compression === 'twos'
      ? bits === 8
        ? 'pcm_s8'
        : [16, 24, 32].includes(bits)
          ? `pcm_s${bits}be`
          : undefined
      : AIFC_CODECS[compression.toLowerCase()];
  const ssnd = found.find((c) => c.id === 'SSND');
  const sampleBytes = codec ? pcmSampleBytes(codec, bits) : undefined;
  if (sampleBytes && ssnd && channels > 0) {
    const needed = frames * channels * sampleBytes;
    const present = totalBytes - ssnd.offset - SSND_HEADER_BYTES;
    if (needed > present) {
      return probeFailure(
        `AIFF: ${frames} frames need ${needed} bytes of sound, more than the ${present} there are`,
      );
    }
  }
  return {
    container: 'aiff',
    ...(codec ? { codec } : {}),
    ...(sampleRateHz > 0 ? { sampleRateHz } : {}),
    ...(channels > 0 ? { channels } : {}),
    ...(sampleRateHz > 0 ? { durationS: frames / sampleRateHz } : {}),
  };
}

/** Bytes per sample of an uncompressed codec (G.711 stores 8 bits whatever `bits` says); else undefined. */
function pcmSampleBytes(codec: string, bits: number): number | undefined {
  if (codec === 'pcm_alaw' || codec === 'pcm_mulaw') return 1;
  if (codec === 'pcm_f32be') return 4;
  if (codec === 'pcm_f64be') return 8;
  return codec.startsWith('pcm_') && bits > 0 ? Math.ceil(bits / 8) : undefined;
}

/** An IEEE 754 80-bit extended float (AIFF's sample rate). */
function readExtended(buffer: Buffer, offset: number): number {
  const exponent = buffer.readUInt16BE(offset) & 0x7fff;
  const mantissa = buffer.readUInt32BE(offset + 2) * 2 ** 32 + buffer.readUInt32BE(offset + 6);
  if (exponent === 0 || exponent === 0x7fff) return 0;
  return mantissa * 2 ** (exponent - 16383 - 63);
}

function readFlac(sample: Buffer): HeaderReading | undefined {
  // STREAMINFO is the first metadata block: 4-byte block header, then 34 bytes.
  if (sample.toString('latin1', 0, 4) !== 'fLaC') return undefined;
  if (sample.length < 8 + 18 || (sample[4] & 0x7f) !== 0) return { container: 'flac', codec: 'flac' };
  const info = 8;
  const sampleRateHz = (sample[info + 10] << 12) | (sample[info + 11] << 4) | (sample[info + 12] >> 4);
  const channels = ((sample[info + 12] >> 1) & 0x07) + 1;
  const totalSamples = (sample[info + 13] & 0x0f) * 2 ** 32 + sample.readUInt32BE(info + 14);
  return {
    container: 'flac',
    codec: 'flac',
    ...(sampleRateHz > 0 ? { sampleRateHz } : {}),
    channels,
    ...(sampleRateHz > 0 && totalSamples > 0 ? { durationS: totalSamples / sampleRateHz } : {}),
  };
}

const OPUS_RATE_HZ = 48_000;

function readOgg(sample: Buffer, totalBytes: number): HeaderReading | undefined {
  if (sample.length < 28 || sample.toString('latin1', 0, 4) !== 'OggS') return undefined;
  const packet = 27 + sample[26];
  let track: { codec: string; sampleRateHz: number; channels: number; preSkip: number } | undefined;
  if (sample.toString('latin1', packet, packet + 7) === '\x01vorbis' && packet + 16 <= sample.length) {
    track = {
      codec: 'vorbis',
      channels: sample[packet + 11],
      sampleRateHz: sample.readUInt32LE(packet + 12),
      preSkip: 0,
    };
  } else if (sample.toString('latin1', packet, packet + 8) === 'OpusHead' && packet + 12 <= sample.length) {
    // Opus always decodes at 48 kHz; the header's rate is only the original input's.
    track = {
      codec: 'opus',
      channels: sample[packet + 9],
      sampleRateHz: OPUS_RATE_HZ,
      preSkip: sample.readUInt16LE(packet + 10),
    };
  }
  if (!track) return { container: 'ogg' };
  const { preSkip, ...meta } = track;
  // The last page's granule position counts the samples, but only a whole file has a last page.
  const granule = totalBytes <= sample.length ? lastGranule(sample) : undefined;
  const samples = granule !== undefined ? granule - preSkip : 0;
  return {
    container: 'ogg',
    ...meta,
    ...(samples > 0 && meta.sampleRateHz > 0 ? { durationS: samples / meta.sampleRateHz } : {}),
  };
}

function lastGranule(content: Buffer): number | undefined {
  const page = content.lastIndexOf('OggS');
  if (page < 0 || page + 14 > content.length) return undefined;
  const granule = content.readBigUInt64LE(page + 6);
  // -1 (all ones) marks a page on which no packet ends.
  return granule < 2n ** 63n ? Number(granule) : undefined;
}
