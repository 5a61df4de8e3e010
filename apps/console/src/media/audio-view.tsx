import { useEffect, useRef, useState } from 'preact/hooks';
import type { RendererProps } from './media-view';

/** How long the waveform may take to decode before the page says it has none. */
const WAVEFORM_TIMEOUT_MS = 20_000;

/**
 * An audio player with its waveform (wavesurfer.js, loaded when first needed): click the
 * waveform to seek; the browser's own controls below it. A format the browser cannot decode
 * is said so (the file can still be downloaded).
 */
export function AudioView({ blob, mediaType, name }: RendererProps) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [message, setMessage] = useState<string>();
  useEffect(() => {
    let destroy: (() => void) | undefined;
    let live = true;
    setState('loading');
    const fail = (why: string) => {
      if (!live) return;
      setState('failed');
      setMessage(why);
    };
    const timer = setTimeout(() => fail('its waveform took too long to decode'), WAVEFORM_TIMEOUT_MS);
    void import('wavesurfer.js')
      .then(({ default: WaveSurfer }) => {
        if (!live || !box.current) return;
        const styles = getComputedStyle(document.documentElement);
        const ws = WaveSurfer.create({
          container: box.current,
          height: 96,
          waveColor: styles.getPropertyValue('--pico-muted-color').trim() || '#8891a4',
          progressColor: styles.getPropertyValue('--pico-primary').trim() || '#0172ad',
          cursorColor: styles.getPropertyValue('--pico-contrast').trim() || '#333',
          mediaControls: true,
          dragToSeek: true,
        });
        destroy = () => ws.destroy();
        ws.on('ready', () => {
          clearTimeout(timer);
          if (live) setState('ready');
        });
        ws.loadBlob(blob).catch((err: unknown) => {
          clearTimeout(timer);
          fail(`this browser cannot decode ${mediaType} (${(err as Error).message || 'no reason given'})`);
        });
      })
      .catch((err: unknown) => fail(`the waveform viewer did not load (${(err as Error).message})`));
    return () => {
      live = false;
      clearTimeout(timer);
      destroy?.();
    };
  }, [blob, mediaType]);
  return (
    <div class="audio-view">
      <div
        ref={box}
        class="waveform"
        role="group"
        aria-label={`Waveform and player of ${name}`}
        aria-busy={state === 'loading'}
      />
      {state === 'failed' && <p class="media-note">No waveform: {message}.</p>}
    </div>
  );
}
