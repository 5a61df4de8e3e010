/** What a secret is replaced with in a message or a log line. */
export const REDACTED = '[redacted]';

/**
 * A URL with a scheme in free text, up to the first character a URL cannot hold unescaped. The
 * scheme's length is bounded, so the search stays linear in the text's length.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>`]+/gi;
/** Anything that looks like an OpenAI-style secret key, in case an upstream echoes one. */
const KEY_LIKE = /\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}/g;
/** How deep a `cause` chain scrubError follows. */
const MAX_CAUSES = 8;

/**
 * A URL fit for a message or a log: its user name and password, every query value and the
 * fragment replaced (query names stay: they say what was sent, the values may be keys or
 * signatures).
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) {
    // Not a URL the parser takes: cut what could be credentials (before an `@`) and the query.
    return url.replace(/^([^:/?#]+:\/\/)[^/?#]*@/, `$1${REDACTED}@`).replace(/[?#].*$/, `?${REDACTED}`);
  }
  const parsed = new URL(url);
  const userinfo = parsed.username || parsed.password ? `${REDACTED}@` : '';
  const names = [...new Set(parsed.searchParams.keys())];
  const query = parsed.search
    ? `?${names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&')}`
    : '';
  const fragment = parsed.hash ? `#${REDACTED}` : '';
  return `${parsed.protocol}//${userinfo}${parsed.host}${parsed.pathname}${query}${fragment}`;
}

/**
 * Text fit for a message or a log: each of `secrets` replaced wherever it appears, every URL in
 * it redacted (redactUrl), and anything shaped like an API key (`sk-…`) replaced.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let safe = text;
  for (const secret of secrets) if (secret) safe = safe.split(secret).join(REDACTED);
  return safe.replace(URL_IN_TEXT, (url) => redactUrl(url)).replace(KEY_LIKE, REDACTED);
}

/**
 * Rewrites in place, with redactSecrets, the message, stack and other text fields of an error and
 * of the errors in its `cause` chain. For an error from elsewhere (an HTTP client's) that is kept
 * as a `cause`, and so logged, but may quote a URL with credentials or an echoed key.
 */
export function scrubError<T>(error: T, secrets: readonly (string | undefined)[] = []): T {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < MAX_CAUSES; depth++) {
    const fields = current as unknown as Record<string, unknown>;
    for (const key of ['message', 'stack', ...Object.keys(current)]) {
      const value = fields[key];
      if (key === 'cause' || value === undefined || value === null) continue;
      const safe =
        typeof value === 'string'
          ? redactSecrets(value, secrets)
          : isPlainData(value)
            ? redactData(value, secrets)
            : value;
      if (safe === value) continue;
      try {
        fields[key] = safe;
      } catch {
        // A read-only field (a DOMException's message): the platform's own words, left as they are.
      }
    }
    current = current.cause;
  }
  return error;
}

/** The same data when nothing in it is secret, else a redacted copy (or REDACTED when no copy parses). */
function redactData(value: object, secrets: readonly (string | undefined)[]): unknown {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return REDACTED; // circular or not JSON: it cannot be checked
  }
  const safe = redactSecrets(json, secrets);
  if (safe === json) return value;
  try {
    return JSON.parse(safe) as unknown;
  } catch {
    return REDACTED;
  }
}

/** A JSON body an error carries (an upstream's error object), not a class instance. */
function isPlainData(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === Array.prototype;
}
