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
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'F1: a JPEG over LIMIT_IMAGE_PIXELS that libjpeg will not read is 422, not 413',
    cases: /^JPEG SOF 65535×65535$/,
  },
];

/** The known finding a failing case belongs to, if any. */
export function knownFinding(caseName: string, target: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find(
    (finding) => finding.cases.test(caseName) && (!finding.targets || finding.targets.includes(target)),
  );
}

/** The cases of `cases` that a known finding covers. */
export function knownFindingCases<T extends { name: string }>(cases: readonly T[]): T[] {
  return cases.filter((c) => KNOWN_FINDINGS.some((finding) => finding.cases.test(c.name)));
}
