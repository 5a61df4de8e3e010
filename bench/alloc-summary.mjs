// Bytes allocated a call by function, from allocation profiles (bench/lib/alloc-profile.mjs):
// one profile, or two compared (the second less the first, per call), largest first.
// Usage: node bench/alloc-summary.mjs <a.heapprofile> <calls> [<b.heapprofile> <calls>] [topN=30]
import { readFileSync } from 'node:fs';
import { perCallArgs, printPerCall } from './lib/per-call.mjs';
import { frameLabel } from './lib/profile-frames.mjs';

const { pairs, top } = perCallArgs(
  process.argv.slice(2),
  'node bench/alloc-summary.mjs <a.heapprofile> <calls> [<b.heapprofile> <calls>] [topN]',
  30,
);

/** Bytes a call by function (`name file:line`). */
function perCall(file, calls) {
  const byFunction = new Map();
  const walk = (node) => {
    const key = frameLabel(node.callFrame, true);
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize / calls);
    for (const child of node.children) walk(child);
  };
  walk(JSON.parse(readFileSync(file, 'utf8')).head);
  return byFunction;
}

console.log(pairs.map(([file, calls], i) => `${'ab'[i]}: ${file}, ${calls} calls`).join('\n'));
printPerCall(
  'allocated by function',
  pairs.map(([file, calls]) => perCall(file, calls)),
  { top, unit: 'bytes', digits: 0 },
);
