import { ErrorBox } from '../components/error-box';
import type { Attachment, ChatMessage } from './chat-request';

/** An attachment as what it is: a thumbnail for an image, a player for audio. */
export function AttachmentView({ attachment, onRemove }: { attachment: Attachment; onRemove?: () => void }) {
  const { kind, name, dataUrl, bytes } = attachment;
  return (
    <figure class={`chat-attachment chat-attachment-${kind}`}>
      {kind === 'image' ? (
        <img src={dataUrl} alt={name} />
      ) : (
        <audio controls preload="metadata" src={dataUrl} aria-label={name} />
      )}
      <figcaption>
        <span class="chat-attachment-name" title={name}>
          {name}
        </span>{' '}
        <small>{formatBytes(bytes)}</small>
        {onRemove && (
          <button
            type="button"
            class="outline secondary small"
            aria-label={`Remove ${name}`}
            onClick={onRemove}
          >
            ×
          </button>
        )}
      </figcaption>
    </figure>
  );
}

/** One message: who said it, its attachments, its text (growing while it streams), tokens, or its error. */
export function MessageView({ message }: { message: ChatMessage }) {
  const { role, text, attachments, model, usage, error, pending, stopped } = message;
  return (
    <li class={`chat-message chat-${role}${pending ? ' chat-pending' : ''}`} data-role={role}>
      <div class="chat-who">
        <strong>{role === 'user' ? 'You' : 'Assistant'}</strong>
        {model && <small> · {model}</small>}
      </div>
      {attachments.length > 0 && (
        <div class="chat-attachments">
          {attachments.map((a, i) => (
            <AttachmentView key={i} attachment={a} />
          ))}
        </div>
      )}
      {text !== '' && <div class="chat-text">{text}</div>}
      {pending && text === '' && <small class="chat-waiting">Waiting for the answer…</small>}
      {stopped && <small class="chat-note">Stopped.</small>}
      {error !== undefined && <ErrorBox error={error} />}
      {usage && usage.total_tokens > 0 && (
        <small class="chat-usage">
          Tokens: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion = {usage.total_tokens}
        </small>
      )}
    </li>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
