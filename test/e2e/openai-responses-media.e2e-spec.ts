import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { durationOf, ffprobe } from '../../libs/adapters/src/builtin/media/media.testing';
import { fixture } from '../fixtures';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

const ID = 'rm';
const BLOB_ID = /^[0-9a-f]{64}$/;

/** The text parts of the chat messages a backend received, joined per message. */
const texts = (messages: { content: unknown }[]) =>
  messages.map((m) =>
    typeof m.content === 'string'
      ? m.content
      : (m.content as { type: string; text?: string }[]).map((p) => p.text ?? `[${p.type}]`).join(' | '),
  );

describe('Responses across turns with media (official openai client)', () => {
  let setup: BackendGateway | undefined;

  beforeAll(async () => {
    setup = await startBackendGateway(ID, {
      chat: 'gpt-4o-mini',
      vision: 'gpt-4o',
      transcription: 'whisper-1',
    });
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => r.body as { model: string; messages: { role: string; content: unknown }[] });
  const transcriptions = () => setup!.backend.requests.filter((r) => r.path === '/v1/audio/transcriptions');

  it('an ECG and a question, then a plot of it, then a question about the plot', async () => {
    const { client } = setup!;
    const csv = fixture('signal/mitdb-100-ecg-10s.csv');

    // Turn 1: the signal reaches the chat model as the text the signal route reads from it.
    const one = await client.responses
      .create({
        model: 'gpt-4o-mini',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What does this ECG show?' },
              { type: 'input_file', filename: 'ecg.csv', file_data: csv.toString('base64') },
            ],
          },
        ],
      })
      .withResponse();
    expect(one.response.headers.get('x-omnigate-route')).toBe(`text->text ${ID}.chat`);
    const [turnOne] = chatBodies();
    expect(turnOne!.model).toBe('gpt-4o-mini');
    expect(texts(turnOne!.messages)).toEqual([
      expect.stringMatching(/^What does this ECG show\? \| Signal: 2 channels, 3600 samples at 360 Hz/),
    ]);
    expect(texts(turnOne!.messages)[0]).toContain('MLII_mV');
    const [item] = (await client.responses.inputItems.list(one.data.id)).data;
    expect(item).toMatchObject({
      type: 'message',
      content: [
        { type: 'input_text' },
        {
          type: 'input_file',
          filename: 'ecg.csv',
          file_id: expect.stringMatching(BLOB_ID),
          modality: 'signal',
        },
      ],
    });

    // Turn 2: the image tool plots the conversation's signal; no chat model is asked.
    setup!.backend.reset();
    const two = await client.responses
      .create({
        model: 'auto',
        input: 'Plot channel 2',
        previous_response_id: one.data.id,
        tools: [{ type: 'image_generation', output_format: 'png' }],
      })
      .withResponse();
    expect(two.response.headers.get('x-omnigate-route')).toBe('signal->image builtin.signal-tools');
    expect(chatBodies()).toEqual([]);
    expect(two.data.output).toHaveLength(1);
    const call = two.data.output[0] as { type: string; id: string; status: string; result: string };
    expect(call).toMatchObject({ type: 'image_generation_call', status: 'completed' });
    expect(call.id).toMatch(/^ig_[0-9a-f]{32}$/);
    const png = Buffer.from(call.result, 'base64');
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);
    // Stored by reference and read back whole.
    const again = await client.responses.retrieve(two.data.id);
    expect((again.output[0] as { result: string }).result).toBe(call.result);

    // Turn 3: the vision model gets the earlier turns, the signal as its text (read once, in
    // turn 1), and the plot as an image.
    const three = await client.responses
      .create({ model: 'gpt-4o', input: 'What is in the picture?', previous_response_id: two.data.id })
      .withResponse();
    expect(three.response.headers.get('x-omnigate-route')).toBe(`text+image->text ${ID}.vision`);
    const [turnThree] = chatBodies();
    expect(turnThree!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'user', 'user']);
    const said = texts(turnThree!.messages);
    expect(said[0]).toBe(texts(turnOne!.messages)[0]);
    expect(said[1]).toBe(one.data.output_text);
    expect(said[2]).toBe('Plot channel 2');
    expect(said[4]).toBe('What is in the picture?');
    expect(turnThree!.messages[3]!.content).toEqual([
      { type: 'text', text: 'The image generated in the previous answer:' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${call.result}` } },
    ]);
  });

  it('spoken input is transcribed once and read as its transcript in later turns', async () => {
    const { client } = setup!;
    const wav = fixture('audio/jfk.wav');
    const one = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'wav' } } as never,
          ],
        },
      ],
    });
    expect(transcriptions()).toHaveLength(1);
    const transcript = texts(chatBodies()[0]!.messages)[0]!;
    expect(transcript).toMatch(/^Transcript of audio\.wav: \d+ bytes of audio\/wav, 11\.\d\d seconds/);
    await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Say it again',
      previous_response_id: one.id,
    });
    // Not transcribed again: the transcript was kept with the audio part.
    expect(transcriptions()).toHaveLength(1);
    expect(texts(chatBodies()[1]!.messages)).toEqual([transcript, one.output_text, 'Say it again']);
  });

  it('takes an image by the blob id an earlier turn listed, without the bytes', async () => {
    const { client } = setup!;
    const url = `data:image/png;base64,${fixture('image/fixture.png').toString('base64')}`;
    const first = await client.responses.create({
      model: 'gpt-4o',
      input: [{ role: 'user', content: [{ type: 'input_image', image_url: url, detail: 'auto' }] }],
    });
    const [listed] = (await client.responses.inputItems.list(first.id)).data;
    const fileId = (listed as { content: { file_id: string }[] }).content[0]!.file_id;
    expect(fileId).toMatch(BLOB_ID);
    await client.responses.create({
      model: 'gpt-4o',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Same picture?' },
            { type: 'input_image', file_id: fileId, detail: 'high' },
          ],
        },
      ],
    });
    expect(chatBodies()[1]!.messages[0]!.content).toEqual([
      { type: 'text', text: 'Same picture?' },
      { type: 'image_url', image_url: { url, detail: 'high' } },
    ]);
  });

  it('speaks the answer with modalities + audio: an output_audio part, read back as text in the next turn', async () => {
    const { client } = setup!;
    const spoken = await client.responses
      .create({
        model: 'gpt-4o-mini',
        input: 'Say something',
        modalities: ['text', 'audio'],
        audio: { voice: 'alloy', format: 'mp3' },
      } as never)
      .withResponse();
    expect(spoken.response.headers.get('x-omnigate-route')).toBe(
      `text->text ${ID}.chat | text->audio builtin.speech | audio->audio builtin.audio`,
    );
    expect(spoken.response.headers.get('x-omnigate-job')!.split(', ')).toHaveLength(2);
    const [message] = spoken.data.output as unknown as {
      content: { type: string; text?: string; transcript?: string; data?: string; format?: string }[];
    }[];
    const [text, audio] = message!.content;
    expect(text).toMatchObject({ type: 'output_text', text: 'Echo: Say something' });
    expect(audio).toMatchObject({ type: 'output_audio', transcript: 'Echo: Say something', format: 'mp3' });
    const probed = await ffprobe(Buffer.from(audio!.data!, 'base64'));
    expect(probed.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'mp3' });
    expect(durationOf(probed)).toBeGreaterThan(0.5);
    const again = await client.responses.retrieve(spoken.data.id);
    expect(again).toEqual(spoken.data);

    await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'And again',
      previous_response_id: spoken.data.id,
    });
    expect(texts(chatBodies()[1]!.messages)).toEqual(['Say something', 'Echo: Say something', 'And again']);
    const refused = await client.responses
      .create({
        model: 'auto',
        input: 'hi',
        stream: true,
        modalities: ['text', 'audio'],
        audio: { voice: 'alloy', format: 'wav' },
      } as never)
      .then(
        () => undefined,
        (err: { status: number; param: string }) => ({ status: err.status, param: err.param }),
      );
    expect(refused).toEqual({ status: 400, param: 'stream' });
  });

  it('refuses tools it does not have, a file URL and an image tool with an unknown format (400)', async () => {
    const { client } = setup!;
    const refused = async (body: Parameters<typeof client.responses.create>[0]) =>
      client.responses.create(body).then(
        () => undefined,
        (err: { status: number; param: string; code: string }) => ({
          status: err.status,
          param: err.param,
          code: err.code,
        }),
      );
    expect(await refused({ model: 'auto', input: 'hi', tools: [{ type: 'web_search' }] })).toEqual({
      status: 400,
      param: 'tools[0].type',
      code: 'unsupported_tool_type',
    });
    expect(
      await refused({
        model: 'auto',
        input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/x.pdf' }] }],
      }),
    ).toEqual({ status: 400, param: 'input[0].content[0].file_url', code: 'file_url_not_supported' });
    expect(
      await refused({
        model: 'auto',
        input: 'a cat',
        tools: [{ type: 'image_generation', output_format: 'gif' as 'png' }],
      }),
    ).toMatchObject({ status: 400, param: 'tools.output_format' });
    expect(chatBodies()).toEqual([]);
  });
});
