import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { ConfigError } from './app-config';

/**
 * Lowers this process's OS priority to the nice value `nice` (WORKER_NICE; 0 leaves it as it
 * is, and a process started at a lower priority keeps it). Linux keeps a nice value per thread:
 * every thread the process has now is lowered (the main one, libuv's pool, V8's helpers), and
 * the threads and processes it starts later (sandbox processes) inherit it. Returns the value
 * the process now runs at.
 */
export function lowerPriority(nice: number): number {
  const current = getPriority(0);
  if (nice <= current) return current;
  try {
    setPriority(0, nice);
  } catch (err) {
    throw new ConfigError(`WORKER_NICE=${nice}: could not lower the process's priority`, { cause: err });
  }
  for (const thread of threads()) {
    try {
      setPriority(thread, nice);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nice;
}

/** This process's threads (Linux), or none where /proc does not list them. */
function threads(): number[] {
  try {
    return readdirSync('/proc/self/task')
      .map(Number)
      .filter((id) => Number.isInteger(id) && id > 0);
  } catch {
    return [];
  }
}
