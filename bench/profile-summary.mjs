// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=1 npm run bench):
// self time by function and by package/file, and inclusive time of chosen frames.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [topN=30] [frameSubstring ...]
//        PROFILE_BY_FILE=1 to split packages into their files
import { readFileSync } from 'node:fs';
import { frameLabel, frameWhere } from './lib/profile-frames.mjs';

const [file, topArg, ...frames] = process.argv.slice(2);
if (!file) {
  console.error(
    'usage: node bench/profile-summary.mjs <file.cpuprofile> [topN] [frame substrings for inclusive time]',
  );
  process.exit(2);
}
const top = Number(topArg ?? 30);
const byFile = process.env.PROFILE_BY_FILE === '1'; // package files instead of packages
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample weights: timeDeltas[i] is the time before sample i.
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const where = (cf) => frameWhere(cf, byFile);
const label = (cf) => frameLabel(cf, byFile);

const byFn = new Map();
const byPkg = new Map();
for (const [id, t] of self) {
  const cf = nodes.get(id).callFrame;
  byFn.set(label(cf), (byFn.get(label(cf)) ?? 0) + t);
  byPkg.set(where(cf), (byPkg.get(where(cf)) ?? 0) + t);
}
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5);
const idle = [...self]
  .filter(([id]) => nodes.get(id).callFrame.functionName === '(idle)')
  .reduce((s, [, t]) => s + t, 0);
console.log(`${file}\ntotal ${ms(total)} ms sampled, idle ${ms(idle)} ms (${pct(idle)}%)\n`);
console.log('self time by package / file');
for (const [k, t] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(t)} ms ${pct(t)}%  ${k}`);
console.log('\nself time by function');
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(t)} ms ${pct(t)}%  ${k}`);

if (frames.length) {
  // Inclusive time: a sample counts once for a frame substring if any ancestor matches.
  console.log('\ninclusive time (sample counted once per matching stack)');
  const incl = new Map(frames.map((f) => [f, 0]));
  for (const [id, t] of self) {
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(label(nodes.get(cur).callFrame));
    for (const f of frames) if (stack.some((s) => s.includes(f))) incl.set(f, incl.get(f) + t);
  }
  for (const [f, t] of incl) console.log(`${ms(t)} ms ${pct(t)}%  ${f}`);
}
