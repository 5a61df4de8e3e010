/*
 * Gateway bugs the fuzzer found and that are not fixed yet (docs/security.md, "Fuzzing", lists each).
 * A case listed here may fail without failing its spec; each family's spec also replays its
 * known findings in an `it.fails`, which turns red once the bug is fixed: then remove the entry.
 */

/** One known bug: the cases (by name) and requests it affects. */
export interface KnownFinding {
  /** Its name in docs/security.md ("F4: ..."). */
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

// F1 (JPEG over the pixel limit answered 422), F2 (the renderer's 413 named no bound) and F3
// (UTF-16 text taken for MP3) are fixed (docs/security.md).
export const KNOWN_FINDINGS: readonly KnownFinding[] = [];

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
