// Bytes allocated a call by function, from allocation profiles (bench/lib/alloc-profile.mjs):
// one profile, or two compared (the second less the first, per call), largest first.
// Usage: node bench/alloc-summary.mjs <a.heapprofile> <calls> [<b.heapprofile> <calls>] [topN=30]
import { readFileSync } from 'node:fs';
import { frameLabel } from './lib/profile-frames.mjs';

const args = process.argv.slice(2);
// Two profiles and their calls, then maybe topN; or one and its calls, then maybe topN.
const [fileA, callsA] = args;
const [fileB, callsB, topArg] = args.length >= 4 ? args.slice(2) : [undefined, undefined, args[2]];
if (!fileA || !callsA) {
  console.error(
    'usage: node bench/alloc-summary.mjs <a.heapprofile> <calls> [<b.heapprofile> <calls>] [topN]',
  );
  process.exit(2);
}
const top = Number(topArg ?? 30);

/** Bytes a call by function (`name file:line`), and in all. */
function perCall(file, calls) {
  const byFunction = new Map();
  let total = 0;
  const walk = (node) => {
    const key = frameLabel(node.callFrame, true);
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize / calls);
    total += node.selfSize / calls;
    for (const child of node.children) walk(child);
  };
  walk(JSON.parse(readFileSync(file, 'utf8')).head);
  return { byFunction, total };
}

const a = perCall(fileA, Number(callsA));
if (!fileB) {
  console.log(`${Math.round(a.total)} bytes a call`);
  for (const [key, bytes] of [...a.byFunction].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    console.log(`${Math.round(bytes).toString().padStart(8)}  ${key}`);
  }
} else {
  const b = perCall(fileB, Number(callsB));
  console.log(
    `bytes a call: ${Math.round(a.total)} and ${Math.round(b.total)} (second less first ${Math.round(b.total - a.total)})`,
  );
  const keys = new Set([...a.byFunction.keys(), ...b.byFunction.keys()]);
  const rows = [...keys].map((key) => [key, (b.byFunction.get(key) ?? 0) - (a.byFunction.get(key) ?? 0)]);
  rows.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
  for (const [key, delta] of rows.slice(0, top))
    console.log(`${Math.round(delta).toString().padStart(8)}  ${key}`);
}
