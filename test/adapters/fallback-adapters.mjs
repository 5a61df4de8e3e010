// An adapter module (ADAPTER_MODULES) for the fallback tests, written the way a package outside
// this repo would be: plain JavaScript, no import of the gateway. Two adapters offer the same
// task; the cheaper one fails the way a broken upstream does, the dearer one works.

const capability = { task: 'shout', inputs: ['text'], output: 'text' };

/** The runtime recognises an Error named AdapterError with a known code, from any copy of the SDK. */
function adapterError(code, message, retryable) {
  return Object.assign(new Error(message), { name: 'AdapterError', code, retryable });
}

async function readText(request, context) {
  return (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
}

/** Always fails: retryable (an upstream 503) unless the input says `bad`, which no adapter can handle. */
class BrokenAdapter {
  descriptor = { id: 'test.broken', version: '1.0.0', costHint: 0.1, capabilities: [capability] };

  async invoke(request, context) {
    const text = await readText(request, context);
    if (text === 'bad') throw adapterError('unprocessable_input', 'this input can never work', false);
    throw adapterError('adapter_failed', 'upstream answered 503', true);
  }
}

class BackupAdapter {
  descriptor = { id: 'test.backup', version: '1.0.0', costHint: 5, capabilities: [capability] };

  async invoke(request, context) {
    const text = await readText(request, context);
    return { outputs: [{ modality: 'text', mediaType: 'text/plain', text: `${text.toUpperCase()}!` }] };
  }
}

export function createAdapters() {
  return [new BrokenAdapter(), new BackupAdapter()];
}
