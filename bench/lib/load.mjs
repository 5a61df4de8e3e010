// Closed-loop load from a benchmark script: a fixed number of callers, each starting its next call
// when the last one has answered, for a fixed time (bench/openai.mjs, bench/chat-peers.mjs) or a
// fixed number of calls (bench/instructions.mjs).
import { performance } from 'node:perf_hooks';

/**
 * `conc` loops calling `once` until `seconds` have passed; every call that started is waited for
 * and counted. `once` resolves { ok, ... }: the ok ones are returned in `results`, the others
 * counted in `bad`.
 */
export async function closedLoop(conc, seconds, once) {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const results = [];
  let bad = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() < deadline) {
        const r = await once();
        if (r.ok) results.push(r);
        else bad++;
      }
    }),
  );
  return { results, bad, elapsedS: (performance.now() - t0) / 1000 };
}

/** `conc` loops calling `once` until `calls` calls have been made in all; resolves when every one has. */
export async function closedLoopCalls(conc, calls, once) {
  let left = calls;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (left > 0) {
        left--;
        await once();
      }
    }),
  );
}
