import type { Detection } from '@omnigate/contracts';

/** One input of the playground: a file (dropped, picked, pasted or recorded) or typed text. */
export interface PlaygroundInput {
  /** Stable within the page (list keys). */
  key: string;
  /** The bytes sent (typed text as a `text/plain` blob). */
  blob: Blob;
  name: string;
  /** Typed text, when the input is text typed in the page. */
  text?: string;
  /** What `POST /v1/detect` said of it, once asked. */
  detected?: Detection;
}

/**
 * The playground's inputs: drop, pick or paste files or type text; each input shown as detected
 * (modality, media type, confidence, metadata) with a preview. (Placeholder until its helper's work
 * lands: a file picker only.)
 */
export function InputPanel({
  inputs,
  onChange,
}: {
  inputs: PlaygroundInput[];
  onChange: (inputs: PlaygroundInput[]) => void;
}) {
  return (
    <section aria-label="Inputs">
      <label>
        Files
        <input
          type="file"
          multiple
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            onChange([
              ...inputs,
              ...files.map((f) => ({ key: `${f.name}-${f.size}-${Math.random()}`, blob: f, name: f.name })),
            ]);
          }}
        />
      </label>
    </section>
  );
}
