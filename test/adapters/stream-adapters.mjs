// An adapter module (ADAPTER_MODULES) for the streaming tests: `test.typist` types its input back
// one word at a time through onTextDelta, pausing `delayMs` (option) between words, and stops
// when its signal aborts. What it saw is kept on globalThis for the test in the same process.

const state = (globalThis.__omnigateTypist ??= { aborted: 0, started: 0 });

class TypistAdapter {
  descriptor = {
    id: 'test.typist',
    version: '1.0.0',
    concurrency: 4,
    capabilities: [{ task: 'type', inputs: ['text'], output: 'text' }],
  };

  // The gateway checks options with a zod-like schema: anything with safeParse() will do.
  options = {
    safeParse: (options) => ({ success: true, data: { delayMs: Number(options.delayMs ?? 10) } }),
  };

  async invoke(request, context) {
    state.started++;
    const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
    const { delayMs } = request.options;
    const words = text.split(/(?<= )/);
    for (const word of words) {
      await new Promise((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          state.aborted++;
          reject(Object.assign(new Error('typing interrupted'), { name: 'AbortError' }));
        };
        const timer = setTimeout(() => {
          context.signal.removeEventListener('abort', onAbort);
          resolve();
        }, delayMs);
        context.signal.addEventListener('abort', onAbort, { once: true });
      });
      context.onTextDelta?.(word);
    }
    return { outputs: [{ modality: 'text', mediaType: 'text/plain', text }] };
  }
}

export const adapters = [new TypistAdapter()];
