import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptedPng } from '../../libs/adapters/src/builtin/media/media.testing';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

interface ErrorBody {
  error: { code: string; message: string; details: { jobId?: string; limit?: string } };
}

describe('hostile media through the gateway (issue 12)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '60000', LIMIT_IMAGE_PIXELS: String(200 * 133) });
  });
  afterAll(async () => gw.close());

  const infer = (data: Buffer, output: string) =>
    fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ data: data.toString('base64') }], output }),
      signal: AbortSignal.timeout(60_000),
    });

  // Before: accepted, and ffmpeg spun at 100 % CPU for its 5-minute timeout, three times, as retryable.
  it('refuses a PNG with 26 bytes inserted, to video, with 422 at once, tried once (M1)', async () => {
    const started = Date.now();
    const res = await infer(corruptedPng(), 'video');
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({
      code: 'unprocessable_input',
      message: expect.stringContaining('cannot read the image'),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    const job = (await (await fetch(`${gw.url}/v1/jobs/${error.details.jobId}`)).json()) as {
      status: string;
      attempts: number;
    };
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('still makes a clip of the intact PNG', async () => {
    const res = await infer(fixture('image/fixture.png'), 'video');
    expect(res.status).toBe(200);
  });

  // Detection checks the caller's inputs; only the adapter sees what an earlier hop made.
  it('checks LIMIT_IMAGE_PIXELS on a picture another hop drew (text → image → video)', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'a picture larger than the limit' }], output: 'video' }),
    });
    expect(res.status).toBe(413);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit: 'LIMIT_IMAGE_PIXELS' } });
    expect(error.message).toContain('builtin.video');
  });
});
