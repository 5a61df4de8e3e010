// Preloaded into a process (`node --import /path/to/bench/lib/alloc-profile.mjs`, e.g. through
// BENCH_OBS_NODE_ARGS): V8's sampling heap profiler over the whole life of the process, counting
// objects the GC has since collected too (a heap snapshot or --heap-prof shows only what is still
// alive), so that its total is what the process allocated. Written when the process exits (a
// worker thread ended by terminate() writes none), to ALLOC_PROFILE_DIR (default
// bench/results/alloc-profiles); summarise and compare with bench/alloc-summary.mjs.
// ALLOC_PROFILE_INTERVAL: bytes between samples (16384). ALLOC_PROFILE_SURVIVORS=1: only objects
// that outlived a scavenge (those a minor GC collected left out): what the scavenges copy, whose
// amount (not what is allocated) sets a scavenge's pause.
import { mkdirSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

const dir =
  process.env.ALLOC_PROFILE_DIR ?? fileURLToPath(new URL('../results/alloc-profiles', import.meta.url));
const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: Number(process.env.ALLOC_PROFILE_INTERVAL ?? 16384),
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: process.env.ALLOC_PROFILE_SURVIVORS !== '1',
});
process.on('exit', () => {
  // A session in the process's own thread answers at once, so this runs before the exit.
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${process.pid}-${threadId}.heapprofile`), JSON.stringify(result.profile));
  });
});
