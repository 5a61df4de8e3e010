import { describe, expect, it } from 'vitest';
import { parseLoudness, parseSilence } from './audio-description';

const SUMMARY = [
  '[Parsed_ebur128_0 @ 0x559b519dc7c0] Summary:',
  '',
  '  Integrated loudness:',
  '    I:         -15.4 LUFS',
  '    Threshold: -26.6 LUFS',
  '',
  '  Loudness range:',
  '    LRA:         4.1 LU',
  '',
  '  True peak:',
  '    Peak:       -2.1 dBFS',
].join('\n');

describe('reading ffmpeg’s log', () => {
  it('reads the ebur128 summary and the silences', () => {
    const log = [
      '[silencedetect @ 0x55] silence_start: 1.5',
      '[silencedetect @ 0x55] silence_end: 2.25 | silence_duration: 0.75',
      '[silencedetect @ 0x55] silence_start: 9',
      SUMMARY,
    ].join('\n');
    expect(parseLoudness(log)).toEqual({ integratedLufs: -15.4, rangeLu: 4.1, truePeakDbfs: -2.1 });
    expect(parseSilence(log, 10)).toEqual([
      { startS: 1.5, endS: 2.25 },
      { startS: 9, endS: 10 },
    ]);
  });

  // The log echoes the input's tags: a tag can hold megabytes of whatever makes a pattern backtrack.
  it.each([
    ['unclosed summary markers', `${SUMMARY}\n${'[Parsed_ebur128_0 @ '.repeat(200_000)}`],
    ['unclosed silence markers', `${'\n[silencedetect @ '.repeat(200_000)}\n${SUMMARY}`],
    ['a million blank lines in the summary', `${SUMMARY.replace('\n', '\n'.repeat(1_000_000))}`],
  ])('reads a log of %s in linear time', (_name, log) => {
    const started = performance.now();
    expect(parseLoudness(log)).toMatchObject({ truePeakDbfs: -2.1 });
    expect(parseSilence(log, 10)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
