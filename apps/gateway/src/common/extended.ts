/**
 * `{ ...base, ...extra }`, made so that V8 reuses its hidden class (its map). An object literal
 * that starts with a spread gets a copy of its source's map that has no place in V8's transition
 * tree (Node 20's V8 11), so every property added after the spread makes a new map, on every
 * call: about 4 µs each, and a miss in every inline cache that later meets the object
 * (docs/benchmarks.md, Observability). Spreading `null` first builds the object from the empty
 * object's map by transitions, which V8 keeps and reuses. Use it where a property `base` lacks
 * is added on a request's path; a spread that only overwrites what `base` has needs nothing.
 */
export function extended<B extends object, E extends object>(
  base: B | undefined,
  extra: E,
): Omit<B, keyof E> & E {
  return { ...NOTHING, ...base, ...extra } as Omit<B, keyof E> & E;
}

/** What the literal starts with: nothing to copy, but not the spread of an object. */
const NOTHING = null as unknown as object;
