import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactUrl, scrubError } from './redact-secrets';

describe('redactUrl', () => {
  it.each([
    ['http://user:hunter2@vllm:8000/v1/chat', `http://${REDACTED}@vllm:8000/v1/chat`],
    ['https://token@host/x', `https://${REDACTED}@host/x`],
    [
      'https://h/v1?api-key=s3cret&api-version=2024',
      `https://h/v1?api-key=${REDACTED}&api-version=${REDACTED}`,
    ],
    ['https://h/cb#access_token=s3cret', `https://h/cb#${REDACTED}`],
    ['http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1'],
  ])('%s → %s', (url, safe) => expect(redactUrl(url)).toBe(safe));

  it('cuts credentials and the query of what the URL parser refuses', () => {
    expect(redactUrl('http://user:hunter2@[bad/x?k=s3cret')).toBe(`http://${REDACTED}@[bad/x?${REDACTED}`);
  });
});

describe('redactSecrets', () => {
  it('redacts every URL in a text, the secrets named and key-like words', () => {
    const text =
      'Request cannot be constructed from a URL that includes credentials: http://user:hunter2@127.0.0.1:4010/v1/chat/completions: ' +
      'key my-own-key-1234 and sk-proj-abcdefghijklmnop';
    const safe = redactSecrets(text, ['my-own-key-1234']);
    expect(safe).not.toMatch(/hunter2|my-own-key|abcdefghijklmnop/);
    expect(safe).toContain(`http://${REDACTED}@127.0.0.1:4010/v1/chat/completions`);
  });

  it('stays linear on long runs that almost look like a URL or a key', () => {
    const text = `${'a.'.repeat(200_000)}${'sk-'.repeat(100_000)}`;
    const started = performance.now();
    redactSecrets(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('scrubError', () => {
  it('rewrites the message, stack, text fields and JSON bodies of an error and of its causes', () => {
    const root = new TypeError('cannot fetch http://u:hunter2@h/x');
    const upstream = Object.assign(new Error('500 echo sk-live-secretsecret', { cause: root }), {
      error: { message: 'you sent sk-live-secretsecret' },
      status: 500,
    });
    scrubError(upstream, ['sk-live-secretsecret']);
    const text = JSON.stringify({
      m: [upstream.message, upstream.stack, root.message, root.stack],
      body: upstream.error,
    });
    expect(text).not.toMatch(/hunter2|secretsecret/);
    expect(upstream.status).toBe(500);
    expect(upstream.cause).toBe(root);
  });

  it('leaves data without secrets as it is', () => {
    const body = { message: 'model not found' };
    const error = Object.assign(new Error('404'), { error: body });
    scrubError(error);
    expect(error.error).toBe(body);
  });
});
