// What the benchmark scripts read about the machine: tools' output, /proc, and the facts recorded
// with every result (CPU, memory, OS, node and redis-server versions).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { round } from './numbers.mjs';

/** A command's trimmed stdout, or '' when it fails or is not installed. */
export function safeExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** A file's text, or '' when it cannot be read. */
export function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Clock ticks a second, the unit of the CPU times in /proc (getconf CLK_TCK, else 100). */
export const CLK_TCK = Number(safeExec('getconf', ['CLK_TCK']) || 100);

/** Busy CPU time of the whole machine (all cores), in clock ticks. */
export function systemBusyTicks() {
  const [, ...values] = safeRead('/proc/stat').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = values.map(Number);
  return user + nice + system + irq + softirq + (steal || 0);
}

/**
 * The machine as recorded with the results. `redisVersion` is left undefined, for the caller to
 * fill in from the running server (see redisVersion() in processes.mjs).
 */
export function machineInfo() {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    nproc: Number(safeExec('nproc', [])) || os.availableParallelism(),
    cpuModel: model.trim(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    redisServer: safeExec('redis-server', ['--version']).match(/v=(\S+)/)?.[1] ?? 'unknown',
    redisVersion: undefined,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg1m: round(os.loadavg()[0], 2),
  };
}

/** CPU time (user + system, all threads) of process `pid` in clock ticks, from /proc; NaN when it is gone. */
export function cpuTicks(pid) {
  // Fields after the parenthesised command name: utime is the 14th, stime the 15th field.
  const stat = safeRead(`/proc/${pid}/stat`);
  if (!stat) return NaN;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size of process `pid` (VmRSS in /proc/<pid>/status) in KiB; NaN when it is gone. */
export function vmRssKiB(pid) {
  const kib = safeRead(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
  return kib === undefined ? NaN : Number(kib);
}

/**
 * Samples vmRssKiB(pid) every `everyMs` ms (and once at the start) until stop(), which returns
 * { samples, firstKiB, peakKiB, lastKiB, meanKiB }. Timer-driven, so a busy caller samples late.
 */
export function sampleRss(pid, everyMs = 100) {
  const values = [];
  const take = () => {
    const v = vmRssKiB(pid);
    if (Number.isFinite(v)) values.push(v);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        samples: values.length,
        firstKiB: values[0] ?? NaN,
        peakKiB: values.length ? Math.max(...values) : NaN,
        lastKiB: values.at(-1) ?? NaN,
        meanKiB: values.length ? Math.round(values.reduce((a, v) => a + v, 0) / values.length) : NaN,
      };
    },
  };
}

/** The ids of the processes whose parent is `pid` (Linux /proc), e.g. a gateway's sandbox processes. */
export function childPids(pid) {
  const children = [];
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return children;
  }
  for (const name of entries) {
    const stat = safeRead(`/proc/${name}/stat`);
    // The parent's id is the 2nd field after the parenthesised command name.
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid)
      children.push(Number(name));
  }
  return children;
}

/** cpuTicks() of one pid, or the sum over an array of them (those gone count nothing). */
function ticksOf(pids) {
  if (!Array.isArray(pids)) return cpuTicks(pids);
  return pids.reduce((sum, pid) => sum + (cpuTicks(pid) || 0), 0);
}

/**
 * CPU of named processes ({ name: pid or [pids] }), of this process and of the rest of the
 * machine around a stretch of time: cpuWindow(pids) now, then .end() gives { elapsedS, cpuS:
 * {…, client, other}, cpuPct: {…} } (100% = one core).
 */
export function cpuWindow(pids) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, ticksOf(pid)]));
  const systemBefore = systemBusyTicks();
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  return {
    end() {
      const elapsedS = (performance.now() - t0) / 1000;
      const cpuS = Object.fromEntries(
        Object.entries(pids).map(([k, pid]) => [k, (ticksOf(pid) - before[k]) / CLK_TCK]),
      );
      const self = process.cpuUsage(selfBefore);
      cpuS.client = (self.user + self.system) / 1e6;
      const known = Object.values(cpuS).reduce((a, v) => a + v, 0);
      cpuS.other = Math.max(0, (systemBusyTicks() - systemBefore) / CLK_TCK - known);
      const cpuPct = Object.fromEntries(
        Object.entries(cpuS).map(([k, s]) => [k, round((100 * s) / elapsedS, 0)]),
      );
      return { elapsedS, cpuS, cpuPct };
    },
  };
}
