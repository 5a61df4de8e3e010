// Load that moves between several servers in short windows, over warm connections: the
// throughput of each from the same stretch of a shared machine's time. A VM whose speed drifts
// by tens of percent over seconds (docs/benchmarks.md) makes back-to-back runs of a few seconds
// each differ by more than what they compare; windows of a second, in turn, cancel most of it.
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { cpuWindow } from './machine.mjs';
import { median, pct, round } from './numbers.mjs';

/**
 * `conc` callers send `request` in a loop to one of `targets` at a time; every `windowMs` the
 * load moves to the next target, in turn. A call counts for the window it was sent in (one sent
 * near a window's end still counts there, the next target starting as callers free up: the same
 * for every target). Each target keeps `conc` connections open for the whole run.
 * targets: [{ key, url, pid }]; request: { path, method, headers, body }.
 * Returns the windows in order: { key, ms, calls, bad, mainCpuS, reads, writes } (mainCpuS: the
 * target's main thread's CPU seconds in the window, read from /proc at 10 ms resolution; reads
 * and writes: its process's read and write system calls in the window).
 */
export async function interleavedLoad(targets, { conc, seconds, windowMs, request }) {
  const pools = targets.map(
    (t) => new Pool(t.url, { connections: conc, pipelining: 1, keepAliveTimeout: 60_000 }),
  );
  const mains = Object.fromEntries(targets.map((t) => [t.key, `${t.pid}/task/${t.pid}`]));
  const windows = [];
  let turn = 0;
  const open = () => ({
    target: turn,
    key: targets[turn].key,
    at: performance.now(),
    cpu: cpuWindow(mains),
    io: ioCounts(targets[turn].pid),
    calls: 0,
    bad: 0,
  });
  let current = open();
  const close = () => {
    const cpu = current.cpu.end();
    const io = ioCounts(targets[current.target].pid);
    windows.push({
      ...current,
      ms: performance.now() - current.at,
      mainCpuS: cpu.cpuS[current.key],
      reads: io.syscr - current.io.syscr,
      writes: io.syscw - current.io.syscw,
    });
  };
  const timer = setInterval(() => {
    close();
    turn = (turn + 1) % targets.length;
    current = open();
  }, windowMs);
  const until = performance.now() + seconds * 1000;
  const caller = async () => {
    while (performance.now() < until) {
      const window = current;
      try {
        const res = await pools[window.target].request(request);
        await res.body.dump();
        if (res.statusCode === 200) window.calls++;
        else window.bad++;
      } catch {
        window.bad++;
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, caller));
  clearInterval(timer);
  await Promise.all(pools.map((p) => p.close()));
  // The window the end cut short is left out (never closed).
  return windows.map(({ key, ms, calls, bad, mainCpuS, reads, writes }) => ({
    key,
    ms,
    calls,
    bad,
    mainCpuS,
    reads,
    writes,
  }));
}

/** A process's read and write system calls so far (/proc/<pid>/io: every thread's, sockets included). */
function ioCounts(pid) {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name) => Number(text.split(`${name}: `)[1]?.split('\n')[0] ?? NaN);
  return { syscr: field('syscr'), syscw: field('syscw') };
}

/**
 * Each target's calls/s, main-thread CPU per call and system calls per call over the windows
 * (interleavedLoad's, of one or more runs), and its ratio to `base`, overall and by cycle: a cycle is one window of every target in turn,
 * so each cycle's ratio compares the targets a second or two apart. The first cycle of each run
 * is left out (`runs`: the windows of each run apart). And by run: each run's ratio (a run being
 * a set of processes, its own heap and compiled code), their mean and its standard error, which
 * is what the overall ratio can be trusted to: a process's own state moves its speed by several
 * percent, and the runs are what sample it.
 */
export function interleavedSummary(runs, keys, base) {
  const kept = runs.flatMap((windows) => windows.slice(keys.length));
  const cycles = [];
  for (const windows of runs) {
    for (let i = keys.length; i + keys.length <= windows.length; i += keys.length) {
      const cycle = Object.fromEntries(windows.slice(i, i + keys.length).map((w) => [w.key, w.calls / w.ms]));
      cycles.push(cycle);
    }
  }
  const sides = {};
  for (const key of keys) {
    const own = kept.filter((w) => w.key === key);
    const calls = own.reduce((t, w) => t + w.calls, 0);
    const ms = own.reduce((t, w) => t + w.ms, 0);
    const cpuS = own.reduce((t, w) => t + w.mainCpuS, 0);
    sides[key] = {
      windows: own.length,
      calls,
      bad: own.reduce((t, w) => t + w.bad, 0),
      callsPerS: round((1000 * calls) / ms, 1),
      mainMsPerCall: round((1000 * cpuS) / calls, 3),
      readsPerCall: round(own.reduce((t, w) => t + w.reads, 0) / calls, 2),
      writesPerCall: round(own.reduce((t, w) => t + w.writes, 0) / calls, 2),
    };
  }
  /** calls/s of `key` over a run's kept windows. */
  const rate = (windows, key) => {
    const own = windows.slice(keys.length).filter((w) => w.key === key);
    return own.reduce((t, w) => t + w.calls, 0) / own.reduce((t, w) => t + w.ms, 0);
  };
  for (const key of keys) {
    if (key === base) continue;
    const ratios = Float64Array.from(cycles.map((c) => c[key] / c[base])).sort();
    sides[key].overBase = round(sides[key].callsPerS / sides[base].callsPerS, 3);
    sides[key].cycleMedian = round(median(ratios), 3);
    sides[key].cycleQuartiles = [round(pct(ratios, 25), 3), round(pct(ratios, 75), 3)];
    const byRun = runs.map((windows) => rate(windows, key) / rate(windows, base));
    const mean = byRun.reduce((t, r) => t + r, 0) / byRun.length;
    const variance = byRun.reduce((t, r) => t + (r - mean) ** 2, 0) / (byRun.length - 1);
    sides[key].runRatios = byRun.map((r) => round(r, 3));
    sides[key].runMean = round(mean, 3);
    // With one run there is nothing to say it by.
    if (byRun.length > 1) sides[key].runStdError = round(Math.sqrt(variance / byRun.length), 3);
  }
  return { cycles: cycles.length, sides };
}
