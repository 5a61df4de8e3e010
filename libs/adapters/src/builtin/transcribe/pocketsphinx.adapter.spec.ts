import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { createBuiltinAdapters } from '..';
import { Ffmpeg } from '../media/ffmpeg';
import { readWavInfo } from '../speech/wav';
import { SpeechAdapter } from '../speech/speech.adapter';
import { findSystemTools } from '../system-tools';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { LOW_ACCURACY_WARNING, PocketsphinxAdapter } from './pocketsphinx.adapter';

const { tools } = findSystemTools();
const words = (text: string) => text.toLowerCase().match(/[a-z']+/g) ?? [];

/** Word-level edit distance (substitutions, insertions, deletions). */
function wordErrors(reference: string[], heard: string[]): number {
  let previous = Array.from({ length: heard.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= heard.length; j++) {
      const substitution = previous[j - 1] + (reference[i - 1] === heard[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j] + 1, current[j - 1] + 1));
    }
    previous = current;
  }
  return previous[heard.length];
}

/** The JFK clip of the fixtures (whisper.cpp's sample): what he said. */
const JFK =
  'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';
/**
 * Spoken by Festival and read back by pocketsphinx: 0 word errors measured on this machine (a
 * harder sentence, "the quick brown fox jumps over the lazy dog near the river bank", gave 2 of 13).
 */
const SENTENCE = 'Open the door and turn on the lights in the kitchen.';
const MAX_WORD_ERRORS = 2;

describe.skipIf(!tools.pocketsphinx || !tools.text2wave)('offline speech (Festival and pocketsphinx)', () => {
  const ffmpeg = new Ffmpeg();
  const transcriber = new PocketsphinxAdapter(tools.pocketsphinx!, ffmpeg, DEFAULT_INPUT_LIMITS);
  const speech = new SpeechAdapter(tools.text2wave);

  it('transcribes the JFK clip: at least half of what it heard is in the reference, with the warning', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('audio/jfk.mp3'), { modality: 'audio', mediaType: 'audio/mpeg' });
    const result = await harness.invoke(transcriber, {
      task: 'transcribe',
      inputs: [input],
      output: { modality: 'text' },
    });
    expect(result.warnings).toContain(LOW_ACCURACY_WARNING);
    const heard = words(textOutput(result).text);
    const reference = new Set(words(JFK));
    expect(heard.length).toBeGreaterThan(5);
    const shared = heard.filter((word) => reference.has(word)).length;
    expect(shared / heard.length).toBeGreaterThanOrEqual(0.5);
  });

  it(`recognises a sentence Festival spoke with at most ${MAX_WORD_ERRORS} word errors`, async () => {
    const harness = createAdapterHarness();
    const spoken = await harness.invoke(speech, {
      task: 'tts',
      inputs: [harness.put(SENTENCE, { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'audio' },
    });
    expect(spoken.meta).toEqual({ engine: 'festival' });
    const wav = binaryOutput(spoken).data;
    // Festival's HTS voice is 32 kHz (Flite's 16 kHz): the voice is Festival's.
    expect(readWavInfo(wav)?.sampleRate).toBe(32_000);
    const heard = await harness.invoke(transcriber, {
      task: 'transcribe',
      inputs: [harness.put(wav, { modality: 'audio', mediaType: 'audio/wav' })],
      output: { modality: 'text' },
    });
    expect(wordErrors(words(SENTENCE), words(textOutput(heard).text))).toBeLessThanOrEqual(MAX_WORD_ERRORS);
  });

  it('speaks with Flite when asked for a Flite voice', async () => {
    const harness = createAdapterHarness();
    const spoken = await harness.invoke(speech, {
      task: 'tts',
      inputs: [harness.put('hello there', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'audio' },
      options: { voice: 'kal16' },
    });
    expect(spoken.meta).toEqual({ engine: 'flite' });
  });
});

describe('absent system packages', () => {
  it('a pocketsphinx path that names no file removes transcribe; a missing text2wave leaves Flite speaking', async () => {
    const found = findSystemTools({
      pocketsphinx: '/nowhere/pocketsphinx_continuous',
      text2wave: '/nowhere/text2wave',
      tessdata: '/nowhere',
    });
    expect(found.tools).toEqual({ tessdata: {} });
    expect(found.missing.join('\n')).toMatch(/pocketsphinx pocketsphinx-en-us/);
    expect(found.missing.join('\n')).toMatch(/festival festvox-us-slt-hts/);
    expect(found.missing.join('\n')).toMatch(/tesseract-ocr-chi-sim/);
    const adapters = createBuiltinAdapters({ limits: DEFAULT_INPUT_LIMITS, tools: found.tools });
    expect(adapters.map((a) => a.descriptor.id)).not.toContain('builtin.transcribe');
    expect(adapters.flatMap((a) => a.descriptor.capabilities.map((c) => c.task))).not.toContain('transcribe');
    const speech = adapters.find((a) => a.descriptor.id === 'builtin.speech')!;
    const harness = createAdapterHarness();
    const spoken = await harness.invoke(speech, {
      task: 'tts',
      inputs: [harness.put('hello', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'audio' },
      options: { engine: 'festival' },
    });
    expect(spoken.meta).toEqual({ engine: 'flite' });
    expect(spoken.warnings?.join(' ')).toMatch(/Festival is not installed/);
  });

  it('with the packages present, transcribe is offered at a cost above any remote model', () => {
    const adapters = createBuiltinAdapters({ limits: DEFAULT_INPUT_LIMITS, tools });
    const transcribe = adapters.find((a) => a.descriptor.id === 'builtin.transcribe');
    expect(transcribe === undefined).toBe(!tools.pocketsphinx);
    if (transcribe) expect(transcribe.descriptor.costHint).toBeGreaterThan(5);
  });
});
