import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createWorker, OEM, type PSM, type Page, type Worker } from 'tesseract.js';

/** One recognised word; the box is in pixels of the (auto-oriented) image. */
export interface OcrWord {
  text: string;
  /** 0..100, as tesseract reports it. */
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

export interface OcrResult {
  text: string;
  confidence: number;
  words: OcrWord[];
}

/**
 * Where the English LSTM model lives: the gzipped `eng.traineddata.gz` that @tesseract.js-data/eng
 * ships inside npm. `4.0.0_best_int` is the LSTM-only model, the one tesseract.js itself picks for
 * OEM.LSTM_ONLY (its default) when it fetches from its CDN; reading it from node_modules keeps OCR offline.
 */
export function englishLangPath(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

/** The languages OCR reads: English from npm, Chinese from Debian's traineddata when installed. */
export const OCR_LANGUAGES = ['eng', 'chi_sim', 'chi_tra'] as const;
export type OcrLanguage = (typeof OCR_LANGUAGES)[number];

/**
 * One tesseract.js worker (a worker thread running the WASM core from node_modules), created on
 * first use and reused; it switches languages (`reinitialize`) when a job asks for others. Jobs run one at a time; a job that is aborted terminates the worker, so the
 * next job starts a fresh one instead of waiting behind an abandoned recognition.
 */
export class TesseractEngine {
  private worker?: Promise<Worker>;
  private queue: Promise<unknown> = Promise.resolve();
  private onProgress?: (fraction: number) => void;

  private languages = 'eng';
  private langDir?: string;

  constructor(
    private readonly langPath = englishLangPath(),
    /** Debian's Chinese traineddata files, by language, when installed. */
    private readonly chinese: Partial<Record<'chi_sim' | 'chi_tra', string>> = {},
  ) {}

  /** Whether the model of a language is here. */
  has(language: OcrLanguage): boolean {
    return language === 'eng' || this.chinese[language] !== undefined;
  }

  /**
   * Recognises text in an image (PNG/JPEG/BMP bytes) in `languages` (`eng`, `chi_sim+eng` ...,
   * each present: see `has`). Rejects with `signal.reason` when aborted.
   */
  recognize(
    image: Buffer,
    options: {
      psm: PSM;
      json: boolean;
      signal: AbortSignal;
      languages?: string;
      onProgress?: (fraction: number) => void;
    },
  ): Promise<OcrResult> {
    const run = () => this.run(image, options);
    const job = this.queue.then(run, run);
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await terminate(worker);
    if (this.langDir) rmSync(this.langDir, { recursive: true, force: true });
    this.langDir = undefined;
  }

  private async run(
    image: Buffer,
    options: {
      psm: PSM;
      json: boolean;
      signal: AbortSignal;
      languages?: string;
      onProgress?: (fraction: number) => void;
    },
  ): Promise<OcrResult> {
    const { signal } = options;
    signal.throwIfAborted();
    const worker = this.workerPromise();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // The WASM recognition cannot be interrupted: drop the worker so nothing waits on it.
        if (this.worker === worker) this.worker = undefined;
        void terminate(worker);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const work = (async () => {
      const ready = await worker;
      signal.throwIfAborted();
      const languages = options.languages ?? 'eng';
      if (languages !== this.languages) {
        await ready.reinitialize(languages, OEM.LSTM_ONLY);
        this.languages = languages;
      }
      await ready.setParameters({ tessedit_pageseg_mode: options.psm });
      this.onProgress = options.onProgress;
      const { data } = await ready.recognize(image, {}, { text: true, blocks: options.json });
      return data;
    })();
    work.catch(() => undefined);
    try {
      const page = await Promise.race([work, aborted]);
      signal.throwIfAborted();
      return toResult(page);
    } finally {
      this.onProgress = undefined;
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * tesseract.js reads every language of a worker from one directory, English from npm (gzipped)
   * and Chinese from Debian (plain): a private directory of symbolic links to both, made once.
   */
  private languageDir(): string {
    if (this.langDir) return this.langDir;
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-tessdata-'));
    symlinkSync(join(this.langPath, 'eng.traineddata.gz'), join(dir, 'eng.traineddata'));
    for (const [language, file] of Object.entries(this.chinese)) {
      if (file) symlinkSync(file, join(dir, `${language}.traineddata`));
    }
    this.langDir = dir;
    return dir;
  }

  private workerPromise(): Promise<Worker> {
    if (!this.worker) {
      this.languages = 'eng';
      const created = createWorker('eng', OEM.LSTM_ONLY, {
        langPath: this.languageDir(),
        // Files are read as named; a gzipped one (npm's English model) is recognised by its magic bytes.
        gzip: false,
        // Read the model from langPath every time; never write eng.traineddata into the working directory.
        cacheMethod: 'none',
        logger: (message) => {
          if (message.status === 'recognizing text') this.onProgress?.(message.progress);
        },
        errorHandler: () => undefined,
      });
      this.worker = created;
      // A worker that failed to start is forgotten, so the next job tries again.
      created.catch(() => {
        if (this.worker === created) this.worker = undefined;
      });
    }
    return this.worker;
  }
}

async function terminate(worker: Promise<Worker>): Promise<void> {
  try {
    await (await worker).terminate();
  } catch {
    // Already gone, or never started: nothing to release.
  }
}

function toResult(page: Page): OcrResult {
  const words: OcrWord[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          words.push({
            text: word.text,
            confidence: round(word.confidence),
            bbox: { x0: word.bbox.x0, y0: word.bbox.y0, x1: word.bbox.x1, y1: word.bbox.y1 },
          });
        }
      }
    }
  }
  return { text: page.text, confidence: round(page.confidence), words };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
