import { describe, expect, it } from 'vitest';
import { MemoryAudioAnswerStore } from './audio-answer-store';
import { AUDIO_CHUNK_BYTES, audioChunks, withTranscripts } from './chat-audio';
import { ChatCompletionRequestSchema } from './chat-request';

const store = async (...answers: { id: string; transcript: string }[]) => {
  const kept = new MemoryAudioAnswerStore(60);
  for (const { id, transcript } of answers) {
    await kept.put({ id, transcript, blobId: 'b'.repeat(64), expiresAt: 0 });
  }
  return kept;
};

const messagesOf = (messages: unknown[]) =>
  ChatCompletionRequestSchema.parse({ model: 'auto', messages }).messages;

describe('withTranscripts', () => {
  it('gives an assistant turn that refers to audio its transcript, and drops the reference', async () => {
    const messages = messagesOf([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', audio: { id: 'audio_1' }, content: null },
      { role: 'user', content: 'Again' },
    ]);
    const resolved = await withTranscripts(messages, await store({ id: 'audio_1', transcript: 'Hello!' }));
    expect(resolved).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Again' },
    ]);
  });

  it('keeps a turn’s own text over the transcript', async () => {
    const messages = messagesOf([{ role: 'assistant', audio: { id: 'audio_1' }, content: 'said' }]);
    const resolved = await withTranscripts(messages, await store({ id: 'audio_1', transcript: 'Hello!' }));
    expect(resolved).toEqual([{ role: 'assistant', content: 'said' }]);
  });

  it('refuses an unknown id, naming it and where it is, and audio on a user turn', async () => {
    const empty = await store();
    await expect(
      withTranscripts(messagesOf([{ role: 'assistant', audio: { id: 'audio_gone' } }]), empty),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      details: { param: 'messages[0].audio.id' },
      message: expect.stringContaining('audio_gone'),
    });
    await expect(
      withTranscripts(messagesOf([{ role: 'user', audio: { id: 'audio_1' }, content: 'x' }]), empty),
    ).rejects.toMatchObject({ details: { param: 'messages[0].audio' } });
  });

  it('leaves a conversation without references as it is, without a lookup', async () => {
    const messages = messagesOf([{ role: 'user', content: 'Hi' }]);
    expect(await withTranscripts(messages, await store())).toBe(messages);
  });
});

describe('audioChunks', () => {
  it('splits audio into base64 chunks that join into the whole', () => {
    const audio = Buffer.from(Array.from({ length: AUDIO_CHUNK_BYTES * 2 + 5 }, (_, i) => i % 251));
    const chunks = [...audioChunks(audio)];
    expect(chunks).toHaveLength(3);
    expect(chunks.join('')).toBe(audio.toString('base64'));
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c, 'base64')))).toEqual(audio);
  });
});
