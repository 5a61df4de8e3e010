import type { Detection } from '@omnigate/contracts';
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { ErrorBox } from '../../components/error-box';
import { MediaView } from '../../media/media-view';
import { formatBytes } from '../../media/pick-renderer';
import { Recorder } from './recorder';
import './input-panel.css';

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
  /** True while `POST /v1/detect` is being asked about it. */
  detecting?: boolean;
  /** Why detection refused it (an `ApiError`: the gateway's code and message), when it did. */
  error?: unknown;
}

let counter = 0;
const newKey = () => `in-${Date.now().toString(36)}-${++counter}`;

/** The inputs made from files, or from typed or pasted text. */
function inputsOf(files: File[], text?: string): PlaygroundInput[] {
  const made: PlaygroundInput[] = files.map((f) => ({
    key: newKey(),
    blob: f,
    name: f.name || 'pasted',
    detecting: true,
  }));
  if (text !== undefined && text !== '')
    made.push({
      key: newKey(),
      blob: new Blob([text], { type: 'text/plain' }),
      name: `text ${text.length > 24 ? `${text.slice(0, 24)}…` : text}`,
      text,
      detecting: true,
    });
  return made;
}

/** What the gateway makes of one input: each input asked alone, so one refusal stays with its input. */
async function detect(input: PlaygroundInput): Promise<Detection> {
  const form = new FormData();
  if (input.text !== undefined) form.append('text', input.text);
  else form.append('file', input.blob, input.name);
  const { detected } = await api<{ detected: Detection[] }>('/v1/detect', { method: 'POST', body: form });
  if (!detected[0]) throw new Error('the gateway detected nothing');
  return detected[0];
}

/** A metadata value as a short line: lists joined, channel lists by name, numbers rounded. */
export function metaText(value: unknown): string {
  const round = (n: number) => (Number.isInteger(n) ? String(n) : String(+n.toPrecision(5)));
  const one = (v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return round(v);
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) {
      return v
        .map((item) => {
          if (item && typeof item === 'object' && 'name' in item) {
            const { name, unit } = item as { name: unknown; unit?: unknown };
            return unit ? `${String(name)} (${String(unit)})` : String(name);
          }
          return one(item);
        })
        .join(', ');
    }
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${Array.isArray(x) ? `[${one(x)}]` : one(x)}`)
      .join('; ');
  };
  const text = one(value);
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

/**
 * The playground's inputs: drop, pick or paste files, type text, or record from the microphone;
 * each input is sent to `POST /v1/detect` and shown as detected (modality, media type,
 * confidence, reason, metadata) with its preview, or with the gateway's refusal (code and
 * message). Each can be removed.
 */
export function InputPanel({
  inputs,
  onChange,
}: {
  inputs: PlaygroundInput[];
  onChange: (inputs: PlaygroundInput[]) => void;
}) {
  // The list as last committed: detections finish in any order, each applied to the newest list.
  const latest = useRef(inputs);
  latest.current = inputs;
  const commit = (next: PlaygroundInput[]) => {
    latest.current = next;
    onChange(next);
  };
  const update = (key: string, change: Partial<PlaygroundInput>) =>
    commit(latest.current.map((i) => (i.key === key ? { ...i, ...change } : i)));

  const add = (made: PlaygroundInput[]) => {
    if (made.length === 0) return;
    commit([...latest.current, ...made]);
    for (const input of made) {
      detect(input).then(
        (detected) => update(input.key, { detected, detecting: false, error: undefined }),
        (error: unknown) => update(input.key, { detecting: false, error, detected: undefined }),
      );
    }
  };
  const addRef = useRef(add);
  addRef.current = add;

  const [text, setText] = useState('');
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<string>();
  const picker = useRef<HTMLInputElement>(null);

  // Paste anywhere on the page: files become inputs; text too, unless it is pasted into a field.
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const data = event.clipboardData;
      if (!data) return;
      const files = [...data.files];
      const target = event.target as HTMLElement | null;
      const editable =
        !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      if (files.length > 0) {
        event.preventDefault();
        addRef.current(inputsOf(files));
      } else if (!editable) {
        const pasted = data.getData('text/plain');
        if (pasted) {
          event.preventDefault();
          addRef.current(inputsOf([], pasted));
        }
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  const pasteButton = async () => {
    setNotice(undefined);
    try {
      const items = await navigator.clipboard.read();
      const files: File[] = [];
      let pasted: string | undefined;
      for (const item of items) {
        const type = item.types.find((t) => t !== 'text/plain' && t !== 'text/html');
        if (type) {
          const blob = await item.getType(type);
          files.push(new File([blob], `pasted.${type.split('/')[1] ?? 'bin'}`, { type }));
        } else if (item.types.includes('text/plain')) {
          pasted = await (await item.getType('text/plain')).text();
        }
      }
      if (files.length === 0 && !pasted) setNotice('The clipboard is empty.');
      add(inputsOf(files, pasted));
    } catch (err) {
      setNotice(`The clipboard could not be read (${(err as Error).message}); press Ctrl+V (⌘V) instead.`);
    }
  };

  return (
    <section class="input-panel" aria-label="Inputs">
      <div
        class={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const files = [...(e.dataTransfer?.files ?? [])];
          add(inputsOf(files, files.length ? undefined : e.dataTransfer?.getData('text/plain')));
        }}
      >
        <p>
          <strong>Drop files here</strong>, paste them (Ctrl+V), or
        </p>
        <div class="input-actions">
          <label class="file-button">
            <span role="button" class="outline" tabIndex={-1}>
              Choose files
            </span>
            <input
              ref={picker}
              type="file"
              multiple
              aria-label="Choose files"
              onChange={(e) => {
                add(inputsOf([...(e.currentTarget.files ?? [])]));
                e.currentTarget.value = '';
              }}
            />
          </label>
          <button type="button" class="outline secondary" onClick={() => void pasteButton()}>
            Paste
          </button>
          <Recorder onRecorded={(file) => add(inputsOf([file]))} />
        </div>
        {notice && <small role="status">{notice}</small>}
      </div>
      <form
        class="text-input"
        onSubmit={(e) => {
          e.preventDefault();
          add(inputsOf([], text));
          setText('');
        }}
      >
        <label>
          Text input
          <textarea
            rows={2}
            value={text}
            placeholder="Type or paste text to use as an input"
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="outline" disabled={text === ''}>
          Add text
        </button>
      </form>
      {inputs.length > 0 && (
        <ol class="input-list">
          {inputs.map((input, n) => (
            <InputCard
              key={input.key}
              input={input}
              n={n + 1}
              onRemove={() => commit(latest.current.filter((i) => i.key !== input.key))}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

function InputCard({ input, n, onRemove }: { input: PlaygroundInput; n: number; onRemove: () => void }) {
  const d = input.detected;
  const meta = Object.entries(d?.meta ?? {});
  return (
    <li>
      <article
        class="input-card"
        aria-label={`Input ${n}: ${input.name}`}
        aria-busy={input.detecting ? 'true' : undefined}
      >
        <header>
          <span>
            <strong>
              {n}. {input.name}
            </strong>{' '}
            <small>{formatBytes(input.blob.size)}</small>
          </span>
          <button
            type="button"
            class="outline secondary small"
            aria-label={`Remove ${input.name}`}
            onClick={onRemove}
          >
            Remove
          </button>
        </header>
        {input.detecting && <p aria-live="polite">Detecting…</p>}
        <ErrorBox error={input.error} />
        {d && (
          <dl class="detection">
            <dt>Modality</dt>
            <dd>
              <mark>{d.modality}</mark>
            </dd>
            <dt>Media type</dt>
            <dd>
              <code>{d.mediaType}</code>
            </dd>
            <dt>Confidence</dt>
            <dd>{Math.round(d.confidence * 100)}%</dd>
            <dt>Reason</dt>
            <dd>{d.reason}</dd>
            {meta.map(([k, v]) => (
              <Fragment key={k}>
                <dt class="meta-key">{k}</dt>
                <dd>{metaText(v)}</dd>
              </Fragment>
            ))}
          </dl>
        )}
        {!input.detecting && (
          <MediaView
            item={{
              blob: input.blob,
              name: input.text !== undefined ? 'text.txt' : input.name,
              mediaType: d?.mediaType ?? (input.blob.type || undefined),
              modality: d?.modality,
              meta: d?.meta,
            }}
          />
        )}
      </article>
    </li>
  );
}
