import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** A task's nice value, from /proc/<pid>/task/<tid>/stat (field 19). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.runIf(process.platform === 'linux')('lowerThreadPriority', () => {
  it("lowers the calling thread's priority, not the process's", async () => {
    const before = niceOf(process.pid);
    const module = JSON.stringify(require.resolve('./thread-priority.ts'));
    const tsx = JSON.stringify(require.resolve('tsx/cjs'));
    const worker = new Worker(
      `require(${tsx});
       const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       const lowered = require(${module}).lowerThreadPriority(10);
       parentPort.postMessage({ lowered, tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
       setTimeout(() => {}, 5000);`,
      { eval: true },
    );
    try {
      const { lowered, tid } = await new Promise<{ lowered: boolean; tid: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(lowered).toBe(true);
      expect(tid).not.toBe(process.pid);
      expect(niceOf(tid)).toBe(Math.min(19, before + 10));
      expect(niceOf(process.pid)).toBe(before);
    } finally {
      await worker.terminate();
    }
  });
});
