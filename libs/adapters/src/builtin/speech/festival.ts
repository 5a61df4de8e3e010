import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateTempDirs } from '../media/private-temp-dirs';
import { runSpeaker } from './speaker-process';

/** The time a synthesis may take: a base (starting Festival, loading the voice) and a share per character. */
const BASE_MS = 20_000;
const MS_PER_CHARACTER = 25;

/** How long Festival may take to speak `characters` characters at `rate`. */
export function festivalBudgetMs(characters: number, rate: number): number {
  return Math.ceil(BASE_MS + (characters * MS_PER_CHARACTER) / rate);
}

const tempDirs = new PrivateTempDirs(tmpdir(), 'omnigate-festival-', 2 * festivalBudgetMs(4_000, 0.25));

/**
 * Speaks English text with Festival's `text2wave` and its default voice (Debian's
 * festvox-us-slt-hts: 32 kHz, far more intelligible than Flite's): the text goes in a file of a
 * private temp dir (never on a command line, never through a shell), the WAV comes back from
 * there. Killed on abort; a run past its budget or a failure on the text is 422 (Festival is
 * deterministic), a process that cannot start is retryable.
 */
export async function festivalSynthesize(
  text2wave: string,
  text: string,
  rate: number,
  signal: AbortSignal,
  budgetMs = festivalBudgetMs(text.length, rate),
): Promise<Buffer> {
  signal.throwIfAborted();
  return tempDirs.use(async (dir) => {
    const input = join(dir, 'input.txt');
    const output = join(dir, 'output.wav');
    await writeFile(input, text, 'utf8');
    const args = [input, '-o', output, '-otype', 'riff'];
    if (rate !== 1) args.push('-eval', `(Parameter.set 'Duration_Stretch ${(1 / rate).toFixed(4)})`);
    await runSpeaker('Festival', text2wave, args, budgetMs, signal);
    return readFile(output);
  });
}
