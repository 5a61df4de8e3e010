import type { Counter } from 'prom-client';

/**
 * The children of a one-label counter for each of `values`, bound once and shown as 0 from the
 * start (so a rate() has a series before the first count): an increment allocates no label object.
 */
export function counterChildren<V extends string>(
  counter: Counter<string>,
  values: readonly V[],
): Record<V, Counter.Internal> {
  const children = {} as Record<V, Counter.Internal>;
  for (const value of values) {
    children[value] = counter.labels(value);
    children[value].inc(0);
  }
  return children;
}

/**
 * The child of a one-label counter for a value, bound on its first use and kept: for label values
 * bounded elsewhere (the registry's modalities, the error codes) and not all known up front.
 */
export function childrenOnDemand(counter: Counter<string>): (value: string) => Counter.Internal {
  const children = new Map<string, Counter.Internal>();
  return (value) => {
    let child = children.get(value);
    if (!child) children.set(value, (child = counter.labels(value)));
    return child;
  };
}
