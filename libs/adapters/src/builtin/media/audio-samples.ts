/** Decoded audio as a signal: one Float32Array per channel at `sampleRateHz`. */
export interface AudioSignal {
  sampleRateHz: number;
  channels: { name: string; values: Float32Array }[];
}

/** Splits interleaved little-endian float32 PCM (ffmpeg `-f f32le`) into named channels. */
export function deinterleave(pcm: Buffer, channelCount: number, sampleRateHz: number): AudioSignal {
  const frames = Math.floor(pcm.length / 4 / channelCount);
  const names = channelCount === 1 ? ['audio'] : ['left', 'right'];
  const channels = names.map((name) => ({ name, values: new Float32Array(frames) }));
  for (let frame = 0; frame < frames; frame++) {
    for (let c = 0; c < channelCount; c++) {
      channels[c].values[frame] = pcm.readFloatLE((frame * channelCount + c) * 4);
    }
  }
  return { sampleRateHz, channels };
}

/**
 * The RMS envelope at `targetRateHz`: output sample i covers the decoded samples of
 * [i/target, (i+1)/target) seconds, so the time axis stays exact for any ratio of rates.
 */
export function rmsEnvelope(signal: AudioSignal, targetRateHz: number): AudioSignal {
  const ratio = signal.sampleRateHz / targetRateHz;
  const length = signal.channels[0]?.values.length ?? 0;
  const count = Math.floor(length / ratio);
  return {
    sampleRateHz: targetRateHz,
    channels: signal.channels.map(({ name, values }) => {
      const envelope = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const from = Math.floor(i * ratio);
        const to = Math.max(from + 1, Math.floor((i + 1) * ratio));
        let sum = 0;
        for (let j = from; j < to; j++) sum += values[j] * values[j];
        envelope[i] = Math.sqrt(sum / (to - from));
      }
      return { name, values: envelope };
    }),
  };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** `time_s,<channel>...` with one row per sample. */
export function signalToCsv(signal: AudioSignal): string {
  const length = signal.channels[0]?.values.length ?? 0;
  const rows = [['time_s', ...signal.channels.map((channel) => channel.name)].join(',')];
  for (let i = 0; i < length; i++) {
    const cells = [round(i / signal.sampleRateHz, 6)];
    for (const channel of signal.channels) cells.push(round(channel.values[i], 6));
    rows.push(cells.join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** The gateway's JSON signal form: `{ sampleRateHz, channels: [{ name, values }] }`. */
export function signalToJson(signal: AudioSignal): string {
  return JSON.stringify({
    sampleRateHz: signal.sampleRateHz,
    channels: signal.channels.map(({ name, values }) => ({
      name,
      values: Array.from(values, (value) => round(value, 6)),
    })),
  });
}
