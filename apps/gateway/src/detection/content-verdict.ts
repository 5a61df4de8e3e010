import type { Detection } from '@omnigate/contracts';

/**
 * What one sniffer made of the content. `candidates` are the readings the content allows, the
 * default first (a WAV is audio, and a signal when the caller says so); a modality hint picks
 * among them and may pick nothing else.
 */
export type ContentVerdict =
  | { kind: 'recognised'; candidates: [Detection, ...Detection[]] }
  | { kind: 'unsupported'; mediaType: string; message: string; details?: Record<string, unknown> };

export function recognised(first: Detection, ...rest: Detection[]): ContentVerdict {
  return { kind: 'recognised', candidates: [first, ...rest] };
}

export function unsupported(
  mediaType: string,
  message: string,
  details?: Record<string, unknown>,
): ContentVerdict {
  return { kind: 'unsupported', mediaType, message, details };
}

/** The same verdict with one more reading allowed at the end (kept out when already there). */
export function allowAlso(verdict: ContentVerdict, extra: Detection): ContentVerdict {
  if (verdict.kind !== 'recognised') return verdict;
  if (verdict.candidates.some((c) => c.modality === extra.modality)) return verdict;
  return { kind: 'recognised', candidates: [...verdict.candidates, extra] };
}
