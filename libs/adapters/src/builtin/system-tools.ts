import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Where to look for the optional system packages some built-in adapters use (config overrides). */
export interface SystemToolPaths {
  /** TEXT2WAVE_PATH: Festival's `text2wave`; default: on PATH. */
  text2wave?: string;
  /** POCKETSPHINX_PATH: `pocketsphinx_continuous`; default: on PATH. */
  pocketsphinx?: string;
  /** TESSDATA_PREFIX: the directory of Tesseract's `*.traineddata`; default: Debian's. */
  tessdata?: string;
}

/** The optional system packages found: what is absent is undefined. JSON-safe (sent to sandbox processes). */
export interface SystemTools {
  text2wave?: string;
  pocketsphinx?: string;
  /** Chinese OCR models (Debian tesseract-ocr-chi-sim / -chi-tra), by language. */
  tessdata: { chi_sim?: string; chi_tra?: string };
}

/** Debian's tessdata directories (tesseract 5, then 4), then the conventional one. */
const TESSDATA_DIRS = [
  '/usr/share/tesseract-ocr/5/tessdata',
  '/usr/share/tesseract-ocr/4.00/tessdata',
  '/usr/share/tessdata',
];

/**
 * Finds the optional system packages, once, in the gateway's process; `missing` says what to
 * install for each one that is absent (logged on one line at start-up). A path given in the
 * configuration is the only place looked at: pointing it at a missing file turns the tool off.
 */
export function findSystemTools(paths: SystemToolPaths = {}): { tools: SystemTools; missing: string[] } {
  const missing: string[] = [];
  const text2wave = executable(paths.text2wave, 'text2wave');
  if (!text2wave) missing.push('festival festvox-us-slt-hts (speech falls back to Flite)');
  const pocketsphinx = executable(paths.pocketsphinx, 'pocketsphinx_continuous');
  if (!pocketsphinx) missing.push('pocketsphinx pocketsphinx-en-us (no offline transcribe)');
  const dirs = paths.tessdata ? [paths.tessdata] : TESSDATA_DIRS;
  const tessdata: SystemTools['tessdata'] = {};
  for (const language of ['chi_sim', 'chi_tra'] as const) {
    const file = dirs.map((dir) => join(dir, `${language}.traineddata`)).find((path) => existsSync(path));
    if (file) tessdata[language] = file;
    else missing.push(`tesseract-ocr-${language.replace('_', '-')} (no ${language} OCR)`);
  }
  return {
    tools: {
      ...(text2wave ? { text2wave } : {}),
      ...(pocketsphinx ? { pocketsphinx } : {}),
      tessdata,
    },
    missing,
  };
}

/** The configured file if it exists, else (nothing configured) the name found on PATH. */
function executable(configured: string | undefined, name: string): string | undefined {
  if (configured !== undefined) {
    if (isAbsolute(configured) || configured.includes('/')) {
      return existsSync(configured) ? configured : undefined;
    }
    return onPath(configured);
  }
  return onPath(name);
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}
