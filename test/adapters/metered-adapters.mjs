// An adapter module (ADAPTER_MODULES) for the rate-limit tests: `test.metered` echoes its input
// after `delayMs` (option, default 20) and starts at most 3 calls per 1.5 s window, counted for
// every process together (its `rateLimit`). When each call started is kept on globalThis, for the
// test in the same process (its gateways run in it).

const state = (globalThis.__omnigateMetered ??= { starts: [] });

const RATE_LIMIT = { max: 3, durationMs: 1500 };

class MeteredAdapter {
  descriptor = {
    id: 'test.metered',
    version: '1.0.0',
    concurrency: 16,
    rateLimit: RATE_LIMIT,
    capabilities: [{ task: 'meter', inputs: ['text'], output: 'text' }],
  };

  options = {
    safeParse: (options) => ({ success: true, data: { delayMs: Number(options.delayMs ?? 20) } }),
  };

  async invoke(request, context) {
    state.starts.push(Date.now());
    const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
    await new Promise((resolve) => setTimeout(resolve, request.options.delayMs));
    return { outputs: [{ modality: 'text', mediaType: 'text/plain', text }] };
  }
}

export function createAdapters() {
  return [new MeteredAdapter()];
}
