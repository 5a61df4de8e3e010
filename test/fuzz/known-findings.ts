/*
 * Gateway bugs the fuzzer found and that are not fixed yet (FUZZ-FINDINGS.md has each in full).
 * A case listed here may fail without failing its spec; each family's spec also replays its
 * known findings in an `it.fails`, which turns red once the bug is fixed: then remove the entry.
 */

/** One known bug: the cases (by name) and requests it affects. */
export interface KnownFinding {
  /** The heading in FUZZ-FINDINGS.md. */
  id: string;
  /** Names of the affected cases. */
  cases: RegExp;
  /** `detect`, `infer→text`, `infer→image` ...; all when absent. */
  targets?: readonly string[];
  /** The failure must also say this (a bug seen through many cases, by its answer). */
  answer?: RegExp;
  /** The cases the `it.fails` replays; `cases` when absent. */
  replay?: RegExp;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'F1: a JPEG over LIMIT_IMAGE_PIXELS that libjpeg will not read is 422, not 413',
    cases: /^JPEG SOF 65535×65535$/,
  },
  {
    id: 'F2: builtin.render refuses a text over 64 KiB with a 413 that names no limit',
    // Any input read as text (a 1 MB XYZ, CSV or JSON run too) reaches builtin.render.
    cases: /./,
    answer: /longer than the 65536 bytes rendered/,
    replay: /^text (1 MB of spaces inside|of 2000000 characters .*)$/,
    targets: ['infer→image'],
  },
  {
    id: 'F3: UTF-16 text with a byte-order mark is detected as MP3 and refused as unreadable audio',
    cases: /^text UTF-16LE with a BOM$/,
  },
];

/** The known finding a failing case belongs to, if any. */
export function knownFinding(caseName: string, target: string, problem: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find(
    (finding) =>
      finding.cases.test(caseName) &&
      (!finding.targets || finding.targets.includes(target)) &&
      (!finding.answer || finding.answer.test(problem)),
  );
}

/** Up to two cases of `cases` for each known finding, to replay it. */
export function knownFindingCases<T extends { name: string }>(cases: readonly T[]): T[] {
  return KNOWN_FINDINGS.flatMap((finding) =>
    cases.filter((c) => (finding.replay ?? finding.cases).test(c.name)).slice(0, 2),
  );
}
