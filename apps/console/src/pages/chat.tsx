import { useEffect, useRef, useState } from 'preact/hooks';
import type { TargetedEvent } from 'preact';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { AttachmentView, MessageView } from './chat-message';
import { attachmentOf, complete, type Attachment, type ChatMessage } from './chat-request';
import './chat.css';

/** The picked model and the streaming choice live as long as the tab (session storage). */
const MODEL_KEY = 'omnigate.chat.model';
const STREAM_KEY = 'omnigate.chat.stream';

interface ModelList {
  data: { id: string; owned_by: string }[];
}

let lastId = 0;
const nextId = () => ++lastId;

/**
 * The chat page (issue 15): an OpenAI-compatible conversation with the gateway's
 * `POST /v1/chat/completions`, a model from `GET /v1/models`, the answer streamed piece by piece
 * (or whole), images and audio attached as content parts.
 */
export function ChatPage() {
  const models = useApi<ModelList>('/v1/models');
  const [model, setModel] = useState(() => sessionStorage.getItem(MODEL_KEY) ?? 'auto');
  const [stream, setStream] = useState(() => sessionStorage.getItem(STREAM_KEY) !== 'off');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [pending, setPending] = useState<Attachment[]>([]);
  const [attachError, setAttachError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const running = useRef<AbortController | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const log = useRef<HTMLDivElement>(null);

  // A stored model the gateway no longer has falls back to `auto`.
  const ids = models.data?.data.map((m) => m.id);
  const chosen = ids && !ids.includes(model) ? 'auto' : model;

  useEffect(() => () => running.current?.abort(), []);
  // The conversation follows the arriving answer, unless the person scrolled up to read.
  const follow = useRef(true);
  useEffect(() => {
    const el = log.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const pickModel = (id: string) => {
    setModel(id);
    sessionStorage.setItem(MODEL_KEY, id);
  };
  const pickStream = (on: boolean) => {
    setStream(on);
    sessionStorage.setItem(STREAM_KEY, on ? 'on' : 'off');
  };

  const attach = async (files: File[]) => {
    setAttachError(undefined);
    for (const file of files) {
      try {
        const attachment = await attachmentOf(file);
        setPending((p) => [...p, attachment]);
      } catch (err) {
        setAttachError(err);
      }
    }
  };

  const send = async () => {
    if (running.current) return;
    const text = draft.trim();
    if (text === '' && pending.length === 0) return;
    const history: ChatMessage[] = [...messages, { id: nextId(), role: 'user', text, attachments: pending }];
    const answerId = nextId();
    follow.current = true;
    setMessages([...history, { id: answerId, role: 'assistant', text: '', attachments: [], pending: true }]);
    setDraft('');
    setPending([]);
    setAttachError(undefined);
    const update = (change: (m: ChatMessage) => Partial<ChatMessage>) =>
      setMessages((ms) => ms.map((m) => (m.id === answerId ? { ...m, ...change(m) } : m)));
    const controller = new AbortController();
    running.current = controller;
    setBusy(true);
    try {
      await complete(
        chosen,
        history,
        stream,
        {
          text: (piece) => update((m) => ({ text: m.text + piece })),
          model: (answered) => update(() => ({ model: answered })),
          usage: (usage) => update(() => ({ usage })),
        },
        controller.signal,
      );
      update(() => ({ pending: false }));
    } catch (err) {
      update(() =>
        controller.signal.aborted ? { pending: false, stopped: true } : { pending: false, error: err },
      );
    } finally {
      if (running.current === controller) {
        running.current = undefined;
        setBusy(false);
      }
      input.current?.focus();
    }
  };

  const stop = () => running.current?.abort();

  const newChat = () => {
    running.current?.abort();
    running.current = undefined;
    setBusy(false);
    setMessages([]);
    setDraft('');
    setPending([]);
    setAttachError(undefined);
    input.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    void attach(files);
  };

  const onDrop = (e: DragEvent) => {
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    void attach(files);
  };

  const empty = draft.trim() === '' && pending.length === 0;

  return (
    <section class="chat-page">
      <div class="chat-toolbar">
        <h1>Chat</h1>
        <label class="chat-model">
          Model
          <select
            name="model"
            value={chosen}
            aria-busy={models.loading ? 'true' : undefined}
            disabled={models.loading}
            onChange={(e) => pickModel(e.currentTarget.value)}
          >
            {(models.data?.data ?? [{ id: chosen, owned_by: '' }]).map((m) => (
              <option key={m.id} value={m.id}>
                {m.owned_by ? `${m.id} (${m.owned_by})` : m.id}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="outline secondary" onClick={newChat}>
          New chat
        </button>
      </div>
      <ErrorBox error={models.error} />

      <div
        class="chat-log"
        ref={log}
        role="log"
        aria-label="Conversation"
        aria-busy={busy ? 'true' : undefined}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        <ol>
          {messages.length === 0 && (
            <li class="chat-empty">
              Ask something. Attach images or audio (WAV, MP3) with the button, by pasting or by dropping them
              here.
            </li>
          )}
          {messages.map((m) => (
            <MessageView key={m.id} message={m} />
          ))}
        </ol>
      </div>

      <form
        class="chat-composer"
        aria-label="Write to the assistant"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
        onDragOver={(e) => e.preventDefault()}
        onDrop={onDrop}
      >
        {pending.length > 0 && (
          <div class="chat-attachments" aria-label="Attachments to send">
            {pending.map((a, i) => (
              <AttachmentView
                key={i}
                attachment={a}
                onRemove={() => setPending((p) => p.filter((_, j) => j !== i))}
              />
            ))}
          </div>
        )}
        <ErrorBox error={attachError} />
        <textarea
          ref={input}
          name="message"
          aria-label="Message"
          rows={3}
          placeholder="Message (Enter sends, Shift+Enter starts a new line)"
          value={draft}
          onInput={(e: TargetedEvent<HTMLTextAreaElement>) => setDraft(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div class="chat-actions">
          <button type="button" class="outline secondary" onClick={() => picker.current?.click()}>
            Attach…
          </button>
          <input
            ref={picker}
            type="file"
            name="attachments"
            aria-label="Attach images or audio"
            accept="image/*,audio/wav,audio/x-wav,audio/mpeg,.wav,.mp3"
            multiple
            hidden
            onChange={(e) => {
              const files = [...(e.currentTarget.files ?? [])];
              e.currentTarget.value = '';
              void attach(files);
            }}
          />
          <label class="chat-stream">
            <input
              type="checkbox"
              role="switch"
              name="stream"
              checked={stream}
              onChange={(e) => pickStream(e.currentTarget.checked)}
            />
            Stream
          </label>
          <span class="chat-spacer" />
          <button type="button" class="secondary" disabled={!busy} onClick={stop}>
            Stop
          </button>
          <button type="submit" disabled={busy || empty} aria-busy={busy ? 'true' : undefined}>
            Send
          </button>
        </div>
      </form>
    </section>
  );
}
