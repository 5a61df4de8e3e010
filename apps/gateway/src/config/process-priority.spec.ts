import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lowerPriority } from './process-priority';

/** The nice value of each of this process's threads (Linux /proc), by thread id. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis; nice is the 19th field of the line.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

// Runs in this test file's own process (vitest's forks pool): lowering it touches nothing else.
describe('lowerPriority (WORKER_NICE)', () => {
  it('leaves the priority as it is for 0 or a value not below the current one', () => {
    const before = getPriority(0);
    expect(lowerPriority(0)).toBe(before);
    expect(getPriority(0)).toBe(before);
  });

  it.runIf(process.platform === 'linux')('lowers every thread of the process, never raising it back', () => {
    const target = Math.min(19, getPriority(0) + 1);
    expect(lowerPriority(target)).toBe(target);
    expect(getPriority(0)).toBe(target);
    expect(new Set(threadNices())).toEqual(new Set([target]));
    // Asking for a higher priority than the process has leaves it low.
    expect(lowerPriority(0)).toBe(target);
    expect(getPriority(0)).toBe(target);
  });
});
