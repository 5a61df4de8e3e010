import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's scheduling priority by `by` nice steps, to 19 at most (Linux: a thread is its own task,
 * named by /proc/thread-self, and setpriority takes its id). False where that is not possible
 * (another OS, a sandbox without /proc): the thread then runs at the process's priority.
 *
 * Why the export thread wants it: when the gateway posts it a batch, the scheduler tends to run
 * the woken thread on the poster's core at once, pre-empting the event loop for the whole OTLP
 * encoding of the batch (about 1 ms a post on a loaded 2-core machine, against 0.2 ms at nice
 * 10: docs/benchmarks.md, Observability). At a lower priority it runs beside or after the event
 * loop instead, and still gets enough of a busy core (nice 10 is about a tenth of it) to keep up.
 */
export function lowerThreadPriority(by: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return true;
  } catch {
    return false;
  }
}
