import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { ChatCompletionRequestSchema, chatOptions, mapConversation, parseDataUrl } from './chat-request';

const PNG = 'iVBORw0KGgo=';

describe('mapConversation', () => {
  it('passes a text-only conversation as it is, with the last user text as the one input', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'first' },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: [{ type: 'text' as const, text: 'second' }] },
    ];
    const mapped = mapConversation(messages);
    expect(mapped.messages).toEqual(messages);
    expect(mapped.inputs).toEqual([{ text: 'second' }]);
    expect(mapped).toMatchObject({ hasImage: false, hasAudio: false });
  });

  it('turns media parts into inputs and input_ref parts, in order', () => {
    const mapped = mapConversation([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'compare' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { file_data: 'data:text/plain;base64,aGk=', filename: 'a.txt' } },
          { type: 'file', file: { file_id: 'a'.repeat(64) } },
          { type: 'file', file: { file_id: 'file-abc123', filename: 'scan.png' } },
        ],
      },
    ]);
    expect(mapped.inputs).toEqual([
      { data: PNG, mediaType: 'image/png' },
      { data: 'UklGRg==', mediaType: 'audio/wav', filename: 'audio.wav' },
      { data: 'aGk=', mediaType: 'text/plain', filename: 'a.txt' },
      { blobId: 'a'.repeat(64) },
      { fileId: 'file-abc123', filename: 'scan.png' },
    ]);
    expect(mapped.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'compare' },
          { type: 'input_ref', index: 0, detail: 'high' },
          { type: 'input_ref', index: 1 },
          { type: 'input_ref', index: 2 },
          { type: 'input_ref', index: 3 },
          { type: 'input_ref', index: 4 },
        ],
      },
    ]);
    expect(mapped).toMatchObject({ hasImage: true, hasAudio: true });
  });

  it('refuses http(s) image URLs with the part named', () => {
    const call = () =>
      mapConversation([
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] },
      ]);
    expect(call).toThrow(GatewayError);
    expect(call).toThrow(/data URL/);
    try {
      call();
    } catch (err) {
      expect((err as GatewayError).details).toMatchObject({
        param: 'messages[0].content[0].image_url.url',
        openAiCode: 'image_url_not_supported',
      });
    }
  });

  it('names the part whose base64 is broken', () => {
    expect(() =>
      mapConversation([
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'not base64!', format: 'wav' } }],
        },
      ]),
    ).toThrow('messages[0].content[0].input_audio.data is not valid base64');
  });

  it('refuses a file part with neither or both of file_data and file_id', () => {
    expect(() => mapConversation([{ role: 'user', content: [{ type: 'file', file: {} }] }])).toThrow(
      /exactly one/,
    );
  });
});

describe('parseDataUrl and chatOptions', () => {
  it('reads base64 data URLs with parameters, and nothing else', () => {
    expect(parseDataUrl('data:image/png;name=x.png;base64,AAAA')).toEqual({
      mediaType: 'image/png',
      data: 'AAAA',
    });
    expect(parseDataUrl('data:;base64,AAAA')).toEqual({ data: 'AAAA' });
    expect(parseDataUrl('data:text/plain,hello')).toBeUndefined();
    expect(parseDataUrl('data:image/png;base64,AA AA\r\nAAAA')).toEqual({
      mediaType: 'image/png',
      data: 'AAAAAAAA',
    });
    expect(parseDataUrl('data:image/png;base64,AA*A')).toBeUndefined();
    expect(parseDataUrl('data:image png;base64,AAAA')).toBeUndefined();
  });

  // Issue 12: one pattern over the whole URL took 350 ms a megabyte of data, and the base64
  // pattern overflowed the stack (a RangeError, so a 500) on 10 MB.
  it('reads data URLs and base64 of tens of megabytes in one pass', () => {
    const data = 'a'.repeat(20 * 1024 * 1024);
    const started = performance.now();
    expect(parseDataUrl(`data:audio/wav;base64,${data}`)?.data.length).toBe(data.length);
    expect(parseDataUrl(`data:audio/wav;base64,${data}!`)).toBeUndefined();
    expect(parseDataUrl(`data:audio/wav${';a=b'.repeat(200)};base64,AAAA`)?.data).toBe('AAAA');
    expect(parseDataUrl(`data:audio/wav${';a='.repeat(1_000_000)};base64,AAAA`)).toBeUndefined();
    const audio = (content: string) =>
      mapConversation([
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: content, format: 'wav' } }] },
      ]);
    expect(audio(data).inputs[0]).toMatchObject({ mediaType: 'audio/wav' });
    expect(() => audio(`${data}a`)).toThrow('is not valid base64');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('passes the sampling parameters through and drops nulls', () => {
    const body = ChatCompletionRequestSchema.parse({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      seed: null,
      stop: ['\n'],
      response_format: { type: 'json_object' },
      stream: true,
    });
    expect(chatOptions(body)).toEqual({
      temperature: 0.5,
      stop: ['\n'],
      response_format: { type: 'json_object' },
    });
  });
});
