/// <reference lib="webworker" />
import { parseSignal, type SignalFormat } from './parse-signal';
import type { SignalHints } from './signal-data';

/** A request to the signal worker: parse this blob. */
export interface SignalRequest {
  blob: Blob;
  format: SignalFormat;
  hints: SignalHints;
}

/**
 * Parses signal files off the page's thread (a 200 MB CSV takes seconds to read): posts
 * `{progress}` as it reads, then `{data}` with its arrays transferred, or `{error}`.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (event: MessageEvent<SignalRequest>) => {
  const { blob, format, hints } = event.data;
  let last = 0;
  try {
    const data = await parseSignal(blob, format, hints, (fraction) => {
      if (fraction - last >= 0.02 || fraction === 1) {
        last = fraction;
        scope.postMessage({ progress: fraction });
      }
    });
    scope.postMessage({ data }, [data.x.buffer, ...data.channels.map((c) => c.values.buffer)]);
  } catch (err) {
    scope.postMessage({ error: (err as Error).message });
  }
};
