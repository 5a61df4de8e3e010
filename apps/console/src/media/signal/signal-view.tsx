import { useEffect, useState } from 'preact/hooks';
import type { RendererProps } from '../media-view';
import { MAX_SIGNAL_BYTES, signalFormatOf } from './parse-signal';
import type { SignalData, SignalHints } from './signal-data';
import { SignalPlot } from './signal-plot';
import SignalWorker from './signal-worker?worker';

type State =
  | { phase: 'parsing'; progress: number }
  | { phase: 'ready'; data: SignalData }
  | { phase: 'failed'; message: string };

/** What the gateway's detection `meta` says that helps read a signal. */
function hintsOf(meta: Record<string, unknown> | undefined): SignalHints {
  if (!meta) return {};
  const rate = meta.sampleRateHz;
  const channels = Array.isArray(meta.channels) ? (meta.channels as { name?: unknown }[]) : undefined;
  const names = channels?.map((c) => (typeof c?.name === 'string' ? c.name : ''));
  return {
    sampleRateHz: typeof rate === 'number' && rate > 0 ? rate : undefined,
    timeColumn: typeof meta.timeColumn === 'string' ? meta.timeColumn : undefined,
    channelNames: names?.every((n) => n !== '') ? names : undefined,
  };
}

/**
 * A signal (CSV/TSV with or without a time column, JSON channels, EDF/EDF+, WAV) parsed in a Web
 * Worker, so a file of hundreds of megabytes never blocks the page, then plotted by
 * {@link SignalPlot}. A format it cannot read is said so (the file can still be downloaded).
 */
export function SignalView({ blob, mediaType, name, meta }: RendererProps) {
  const [state, setState] = useState<State>({ phase: 'parsing', progress: 0 });
  const format = signalFormatOf(mediaType, name);
  const hintKey = JSON.stringify(hintsOf(meta));
  useEffect(() => {
    if (!format) {
      setState({ phase: 'failed', message: `${mediaType} is not a signal format the console plots` });
      return;
    }
    if (blob.size > MAX_SIGNAL_BYTES) {
      setState({
        phase: 'failed',
        message: `the file is over ${MAX_SIGNAL_BYTES >> 20} MB: too large to plot here`,
      });
      return;
    }
    setState({ phase: 'parsing', progress: 0 });
    const worker = new SignalWorker();
    worker.onmessage = (event: MessageEvent<{ progress?: number; data?: SignalData; error?: string }>) => {
      const { progress, data, error } = event.data;
      if (data) setState({ phase: 'ready', data });
      else if (error !== undefined) setState({ phase: 'failed', message: error });
      else if (progress !== undefined) setState({ phase: 'parsing', progress });
      if (data || error !== undefined) worker.terminate();
    };
    worker.onerror = (event) => {
      setState({ phase: 'failed', message: event.message || 'the signal reader stopped' });
      worker.terminate();
    };
    worker.postMessage({ blob, format, hints: JSON.parse(hintKey) as SignalHints });
    return () => worker.terminate();
  }, [blob, format, mediaType, hintKey]);

  if (state.phase === 'failed') return <p class="media-note">Not plotted: {state.message}.</p>;
  if (state.phase === 'parsing')
    return (
      <div class="signal-view">
        <label>
          Reading the signal…
          <progress value={state.progress} max={1} />
        </label>
      </div>
    );
  return <SignalPlot data={state.data} name={name} />;
}
