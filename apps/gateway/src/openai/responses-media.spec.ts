import { describe, expect, it } from 'vitest';
import { conversationOf, MAX_MEDIA_PER_TURN } from './responses-media';
import type { ConversationItem, ResponseInputMessage } from './responses-request';

const blob = (n: number) => n.toString(16).padStart(64, '0');

const user = (content: ResponseInputMessage['content']): ResponseInputMessage => ({
  id: `msg_${content.length}`,
  type: 'message',
  role: 'user',
  status: 'completed',
  content,
});

describe('conversationOf (a Responses conversation as a chat job)', () => {
  it('makes each media part an input by blob id and an input_ref; text-only messages stay strings', () => {
    const items: ConversationItem[] = [
      user([{ type: 'input_text', text: 'hi' }]),
      user([
        { type: 'input_text', text: 'look' },
        { type: 'input_image', detail: 'low', image_url: null, file_id: blob(1) },
      ]),
    ];
    const mapped = conversationOf(items);
    expect(mapped.inputs).toEqual([{ blobId: blob(1) }]);
    expect(mapped.messages).toEqual([
      { role: 'user', content: 'hi' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'input_ref', index: 0, detail: 'low' },
        ],
      },
    ]);
    expect(mapped.hasImage).toBe(true);
  });

  it('sends media read into text (read_as) as that text, and uploaded files by file id', () => {
    const mapped = conversationOf([
      user([
        { type: 'input_file', file_id: blob(2), modality: 'signal', read_as: blob(3), filename: 'ecg.csv' },
        { type: 'input_file', file_id: 'file-abc', filename: 'notes.txt' },
      ]),
    ]);
    expect(mapped.inputs).toEqual([
      { blobId: blob(3), modality: 'text', mediaType: 'text/plain' },
      { fileId: 'file-abc', filename: 'notes.txt' },
    ]);
    expect(mapped.hasImage).toBe(false);
  });

  it(`sends the latest ${MAX_MEDIA_PER_TURN} media of a long conversation, the older ones as a note`, () => {
    const items = Array.from({ length: MAX_MEDIA_PER_TURN + 3 }, (_, i) =>
      user([{ type: 'input_image', detail: 'auto', image_url: null, file_id: blob(i) }]),
    );
    const mapped = conversationOf(items);
    expect(mapped.inputs).toHaveLength(MAX_MEDIA_PER_TURN);
    expect(mapped.inputs[0]).toEqual({ blobId: blob(3) });
    expect(mapped.messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: '[an earlier image omitted]' }],
    });
  });

  it('shows a generated image to the model in a user message, and a spoken answer as its text', () => {
    const mapped = conversationOf([
      {
        id: 'msg_a',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [
          { type: 'output_text', text: 'Hello', annotations: [] },
          { type: 'output_audio', transcript: 'Hello', format: 'mp3', blob_id: blob(7), data: null },
        ],
      },
      { id: 'ig_1', type: 'image_generation_call', status: 'completed', result: null, file_id: blob(8) },
    ]);
    expect(mapped.messages).toEqual([
      { role: 'assistant', content: 'Hello' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'The image generated in the previous answer:' },
          { type: 'input_ref', index: 0 },
        ],
      },
    ]);
    expect(mapped.inputs).toEqual([{ blobId: blob(8) }]);
  });

  it('refuses a conversation with no text and no media (400)', () => {
    expect(() => conversationOf([user([{ type: 'input_text', text: '' }])])).toThrow(/no text and no media/);
  });
});
