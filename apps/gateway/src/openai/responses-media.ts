import { BlobIdSchema, type InputPart } from '@omnigate/contracts';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { InferRequest } from '@omnigate/contracts';
import type { MappedConversation } from './chat-request';
import { invalidParam } from './openai-error';
import type {
  ConversationItem,
  MediaPart,
  ResponseInputMessage,
  ResponseInputPart,
} from './responses-request';

/** A job takes at most this many inputs: a conversation sends its latest media, the older ones as a note. */
export const MAX_MEDIA_PER_TURN = 16;

const isMedia = (part: ResponseInputPart): part is MediaPart => 'file_id' in part;

export const mediaOf = (items: readonly ConversationItem[]): MediaPart[] =>
  items.flatMap((item) => (item.type === 'message' ? item.content.filter(isMedia) : []));

/**
 * Stores the media this turn sent inline as blobs and keeps them by reference (`file_id` the
 * blob id), so a later turn sends the id and nothing is uploaded twice. Refuses a turn with
 * more media than one job takes, before storing any.
 */
export async function storeInlineMedia(items: ResponseInputMessage[], blobs: BlobStore): Promise<void> {
  const media = mediaOf(items);
  if (media.length > MAX_MEDIA_PER_TURN) {
    throw invalidParam(
      'input',
      `a turn may hold at most ${MAX_MEDIA_PER_TURN} images, audio clips and files`,
    );
  }
  await Promise.all(
    media.map(async (part) => {
      if (!part.inline) return;
      const { data, mediaType } = part.inline;
      const info = await blobs.put(Buffer.from(data, 'base64'), {
        ...(mediaType ? { mediaType } : {}),
        ...(part.type === 'input_file' && part.filename ? { filename: part.filename } : {}),
      });
      part.file_id = info.id;
      delete part.inline;
    }),
  );
}

/**
 * Checks that the blobs an earlier turn refers to are still there, and keeps them as long again
 * (a blob expires BLOB_TTL_S after its last write); a gone one is 404 `media_expired`, naming
 * the item, rather than a failure in the middle of the route.
 */
export async function keepHistoryMedia(
  history: readonly ConversationItem[],
  blobs: BlobStore,
): Promise<void> {
  const ids = new Map<string, string>();
  for (const item of history) {
    const fileIds =
      item.type === 'image_generation_call'
        ? [item.file_id]
        : item.content.filter(isMedia).flatMap((p) => [p.file_id, p.read_as]);
    for (const id of fileIds) if (id && BlobIdSchema.safeParse(id).success) ids.set(id, item.id);
  }
  await Promise.all(
    [...ids].map(async ([id, itemId]) => {
      if (await blobs.touch(id)) return;
      throw new GatewayError(
        'not_found',
        `the media of item '${itemId}' of this conversation expired (blob ${id}); send it again`,
        { param: 'previous_response_id', openAiCode: 'media_expired' },
      );
    }),
  );
}

/**
 * A conversation's items as a chat job's inputs and messages: text stays text, each media part
 * becomes an input (by blob or file id) and an `input_ref` to it. Only the latest
 * MAX_MEDIA_PER_TURN media are sent; older ones become a short note in their place. A generated
 * image is shown to the model in a user message (chat has no images in assistant turns).
 */
export function conversationOf(items: readonly ConversationItem[]): MappedConversation {
  const media = mediaOf(items).length + items.filter((i) => i.type === 'image_generation_call').length;
  let skip = Math.max(0, media - MAX_MEDIA_PER_TURN);
  const inputs: InputPart[] = [];
  let hasImage = false;
  let hasAudio = false;

  const ref = (fileId: string, part: Partial<MediaPart> & { type: string }) => {
    if (skip > 0) {
      skip--;
      return { type: 'text', text: `[an earlier ${part.type.replace('input_', '')} omitted]` };
    }
    if (part.read_as) {
      inputs.push({ blobId: part.read_as, modality: 'text', mediaType: 'text/plain' });
    } else {
      if (part.type === 'input_image' || part.modality === 'image') hasImage = true;
      if (part.type === 'input_audio') hasAudio = true;
      const filename = 'filename' in part && part.filename ? part.filename : undefined;
      inputs.push({ ...sourceOf(fileId), ...(filename ? { filename } : {}) } as InputPart);
    }
    return {
      type: 'input_ref',
      index: inputs.length - 1,
      ...('detail' in part && part.detail && part.detail !== 'auto' ? { detail: part.detail } : {}),
    };
  };

  const messages = items.map((item) => {
    if (item.type === 'image_generation_call') {
      const image = ref(item.file_id, { type: 'input_image' });
      return {
        role: 'user',
        content: [{ type: 'text', text: 'The image generated in the previous answer:' }, image],
      };
    }
    // A spoken answer's audio says what its output_text says: the model reads the text.
    const parts = item.content.filter((part) => part.type !== 'output_audio');
    const [only] = parts;
    if (parts.length === 1 && only && 'text' in only) return { role: item.role, content: only.text };
    const content = parts.map((part) =>
      isMedia(part) ? ref(part.file_id!, part) : { type: 'text', text: 'text' in part ? part.text : '' },
    );
    return { role: item.role, content };
  });
  if (inputs.length === 0) inputs.push({ text: lastText(items) });
  return { inputs, messages, hasImage, hasAudio };
}

/** The text a text-only conversation is routed by: its last user text, else its last text. */
function lastText(items: readonly ConversationItem[]): string {
  const texts = items.flatMap((item) =>
    item.type === 'message'
      ? [{ role: item.role, text: item.content.map((p) => ('text' in p ? p.text : '')).join('\n') }]
      : [],
  );
  const found =
    texts.findLast((t) => t.role === 'user' && t.text !== '') ?? texts.findLast((t) => t.text !== '');
  if (!found) throw invalidParam('input', 'the input holds no text and no media to answer');
  return found.text;
}

/** A part's `file_id` as an input: an uploaded file's id, else a blob id. */
export const sourceOf = (fileId: string): InferRequest['inputs'][number] =>
  fileId.startsWith('file-') ? { fileId } : { blobId: fileId };
