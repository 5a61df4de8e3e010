// What the benchmark scripts read about the machine: tools' output, /proc, and the facts recorded
// with every result (CPU, memory, OS, node and redis-server versions).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
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
