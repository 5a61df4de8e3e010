/** Deeper than any protocol object the gateway reads; far below what JSON.stringify can write back. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON.parse for text from a server the gateway does not run, refusing (SyntaxError) nesting
 * deeper than `maxDepth` first: JSON.parse takes any depth, but JSON.stringify (the job record
 * that keeps a result's `meta`) overflows the stack on a few thousand levels. One linear scan.
 */
export function parseJsonWithin(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; a quote ends the string.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new SyntaxError(`JSON nested deeper than ${maxDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return JSON.parse(text) as unknown;
}
