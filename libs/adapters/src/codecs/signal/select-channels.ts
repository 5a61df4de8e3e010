import { AdapterError } from '../../sdk/adapter-error';
import { channelSampleRate, type Signal } from './signal';

/** The named channels, in the order asked; unknown names are warnings unless none is left. */
export function selectChannels(signal: Signal, names: string[] | undefined, warnings: string[]): Signal {
  if (names === undefined) return signal;
  const byName = new Map(signal.channels.map((channel) => [channel.name, channel]));
  const missing = names.filter((name) => !byName.has(name));
  const available = signal.channels.map((channel) => channel.name).join(', ');
  if (missing.length === names.length) {
    throw AdapterError.unprocessable(`no channel named ${missing.join(', ')}; the signal has ${available}`);
  }
  if (missing.length > 0)
    warnings.push(`no channel named ${missing.join(', ')} (the signal has ${available})`);
  const channels = [...new Set(names)].flatMap((name) => byName.get(name) ?? []);
  // One rate left for every channel: it becomes the signal's again.
  const rates = new Set(channels.map((channel) => channelSampleRate(signal, channel)));
  if (signal.sampleRateHz === undefined && rates.size === 1) {
    const [rate] = rates;
    return {
      ...signal,
      sampleRateHz: rate,
      channels: channels.map(({ sampleRateHz: _own, ...rest }) => rest),
    };
  }
  return { ...signal, channels };
}
