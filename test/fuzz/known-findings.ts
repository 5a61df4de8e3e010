/*
 * Gateway bugs the fuzzer found and that are not fixed yet (FUZZ-FINDINGS.md has each in full).
 * A case listed here may fail without failing its spec; each finding also has an `it.fails`
 * replay in its family's spec, which turns red once the bug is fixed: then remove the entry.
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

export const KNOWN_FINDINGS: readonly KnownFinding[] = [];

/** The known finding a failing case belongs to, if any. */
export function knownFinding(caseName: string, target: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find(
    (finding) => finding.cases.test(caseName) && (!finding.targets || finding.targets.includes(target)),
  );
}
