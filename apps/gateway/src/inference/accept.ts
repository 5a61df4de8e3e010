/** Media types an Accept header lists, in order, without parameters; q=0 entries dropped. */
export function parseAccept(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, ...params]) => !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p)))
    .map(([type]) => type.trim().toLowerCase())
    .filter(Boolean);
}

/** True when the caller takes the JSON result (no Accept, JSON, or a wildcard). */
export function wantsJson(types: string[]): boolean {
  return (
    types.length === 0 || types.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*')
  );
}

/** Whether `mediaType` satisfies one of the accepted types (`image/*` matches `image/webp`). */
export function accepts(types: string[], mediaType: string): boolean {
  const mt = mediaType.toLowerCase();
  return types.some((t) => t === mt || (t.endsWith('/*') && mt.startsWith(t.slice(0, -1))));
}

/** The one concrete type asked for, to use as the output media type when the request names none. */
export function concreteAccept(types: string[]): string | undefined {
  return types.length === 1 && !types[0].includes('*') ? types[0] : undefined;
}
