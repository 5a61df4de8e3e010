import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'whsec-0123456789abcdef';
  const body = '{"id":"job-1","status":"completed"}';

  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1_700_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('verifies, and fails for another body, timestamp or secret', () => {
    const signature = signWebhook(secret, 1_700_000_000, body);
    expect(verifyWebhook(secret, 1_700_000_000, body, signature)).toBe(true);
    expect(verifyWebhook(secret, 1_700_000_000, `${body} `, signature)).toBe(false);
    expect(verifyWebhook(secret, 1_700_000_001, body, signature)).toBe(false);
    expect(verifyWebhook('another-secret-0123', 1_700_000_000, body, signature)).toBe(false);
    expect(verifyWebhook(secret, 1_700_000_000, body, 'sha256=00')).toBe(false);
  });
});
