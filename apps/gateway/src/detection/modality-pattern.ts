import { RE2JS } from 're2js';

/** How much of the content a registered modality's `pattern` is tried against (as latin1). */
export const PATTERN_WINDOW = 4096;

/**
 * The largest compiled program a pattern may have. RE2 matches in time linear in the text, but
 * that time is also proportional to the program: window × program size bounds one match. 100
 * takes any header signature (`^solid\s` is 9, a JSON opening with its keys about 40); the
 * worst pattern of that size measured costs tens of milliseconds on the 4 KiB window.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 100;

/** A pattern that RE2 cannot compile, or too large a program: the message says which. */
export class ModalityPatternError extends Error {
  override readonly name = 'ModalityPatternError';
}

/**
 * A registered modality's `pattern`, compiled once with RE2 (re2js): no backtracking, so the
 * time a match takes is bounded by the window and the program, whatever the content.
 * Backreferences and lookaround, which need backtracking, do not compile.
 */
export class ModalityPattern {
  private constructor(private readonly regexp: RE2JS) {}

  static compile(source: string): ModalityPattern {
    let regexp: RE2JS;
    try {
      regexp = RE2JS.compile(source);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ModalityPatternError(`not an RE2 regular expression (${reason})`, { cause: error });
    }
    const size = regexp.matcher('').programSize();
    if (size > MAX_PATTERN_PROGRAM_SIZE) {
      throw new ModalityPatternError(
        `too complex: its RE2 program has ${size} instructions, more than ${MAX_PATTERN_PROGRAM_SIZE}`,
      );
    }
    return new ModalityPattern(regexp);
  }

  /** Whether the pattern matches somewhere in the first PATTERN_WINDOW bytes of `sample`. */
  test(sample: Buffer): boolean {
    return this.regexp.test(sample.toString('latin1', 0, PATTERN_WINDOW));
  }
}
