/** The format chunk of a PCM WAV and where its samples are. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset and length of the `data` chunk's samples. */
  dataOffset: number;
  dataBytes: number;
  durationS: number;
}

/** Reads the header of a RIFF/WAVE file of integer PCM; undefined when it is not one. */
export function readWavInfo(wav: Buffer): WavInfo | undefined {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    return undefined;
  }
  let format: { channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= wav.length) {
      if (wav.readUInt16LE(body) !== 1) return undefined;
      format = {
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format || format.channels === 0 || format.sampleRate === 0 || format.bitsPerSample % 8 !== 0) {
        return undefined;
      }
      const dataBytes = Math.min(size, wav.length - body);
      const frameBytes = format.channels * (format.bitsPerSample / 8);
      return {
        ...format,
        dataOffset: body,
        dataBytes,
        durationS: Math.floor(dataBytes / frameBytes) / format.sampleRate,
      };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}
