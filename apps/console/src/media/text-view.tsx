import { useEffect, useState } from 'preact/hooks';
import type { RendererProps } from './media-view';
import { isStructuredText } from './pick-renderer';

/** Text shown at most this long (the rest is in the download and the copy). */
const MAX_SHOWN_BYTES = 512 << 10;

/** Text, in a fixed-width font when it is JSON, CSV and the like (JSON indented), with Copy. */
export function TextView({ blob, mediaType, name }: RendererProps) {
  const [text, setText] = useState<string>();
  const [copied, setCopied] = useState<string>();
  const structured = isStructuredText(mediaType, name);
  const cut = blob.size > MAX_SHOWN_BYTES;
  useEffect(() => {
    let live = true;
    void blob
      .slice(0, MAX_SHOWN_BYTES)
      .text()
      .then((t) => {
        if (!live) return;
        if (!cut && /json/.test(mediaType) && !mediaType.includes('ndjson')) {
          try {
            t = JSON.stringify(JSON.parse(t), null, 2);
          } catch {
            // Shown as it is.
          }
        }
        setText(t);
      })
      .catch((err: unknown) => live && setText(`(the text could not be read: ${(err as Error).message})`));
    return () => {
      live = false;
    };
  }, [blob, mediaType, cut]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(await blob.text());
      setCopied('Copied');
    } catch (err) {
      setCopied(`Could not copy: ${(err as Error).message}`);
    }
    setTimeout(() => setCopied(undefined), 2500);
  };
  return (
    <div class="text-view">
      <div class="media-tools">
        <button type="button" class="outline secondary small" onClick={() => void copy()}>
          Copy
        </button>
        <span role="status">{copied}</span>
      </div>
      <pre
        class={structured ? 'text-body mono' : 'text-body prose'}
        tabIndex={0}
        aria-label={`Text of ${name}`}
      >
        {text ?? '…'}
      </pre>
      {cut && (
        <small>The first {MAX_SHOWN_BYTES >> 10} kB are shown; Copy and Download take all of it.</small>
      )}
    </div>
  );
}
