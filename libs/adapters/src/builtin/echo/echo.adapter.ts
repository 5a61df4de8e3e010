import { decodeUtf8 } from '../../sdk/utf8';
import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type {
  Adapter,
  AdapterContext,
  AdapterOutput,
  AdapterRequest,
  AdapterResult,
} from '../../sdk/adapter';
import { requireInput } from '../inputs';
import { baseMediaType } from '../../sdk/media-type';

const ADAPTER_ID = 'builtin.echo';

export const EchoOptionsSchema = z.object({});
export type EchoOptions = z.infer<typeof EchoOptionsSchema>;

/** Returns each text input unchanged: a diagnostic no-op for smoke tests and benchmarks. */
export class EchoAdapter implements Adapter<EchoOptions> {
  readonly options = EchoOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description: 'Diagnostic no-op: returns the text it is given',
    capabilities: [{ task: 'echo', inputs: ['text'], output: 'text' }],
    concurrency: 16,
    // Only when asked for by task (`echo`) or id: it must never be the default text → text route.
    costHint: 100,
    latencyHintMs: 1,
  };

  async invoke(request: AdapterRequest<EchoOptions>, context: AdapterContext): Promise<AdapterResult> {
    requireInput(request, 'text', ADAPTER_ID);
    const outputs: AdapterOutput[] = [];
    for (const input of request.inputs.filter((candidate) => candidate.modality === 'text')) {
      context.signal.throwIfAborted();
      const text = decodeUtf8(await context.blobs.read(input.blobId));
      const mediaType = baseMediaType(input.mediaType).startsWith('text/') ? input.mediaType : 'text/plain';
      outputs.push({ modality: 'text', mediaType, text });
    }
    return { outputs };
  }
}
