// Where a frame of a V8 profile (a .cpuprofile's or a heap profile's callFrame) runs, and its
// label, for the bench's profile summaries (profile-summary.mjs, alloc-summary.mjs).

/** The package (or, with `byFile`, its file), the node: module, or the repository path. */
export function frameWhere(callFrame, byFile = false) {
  const url = callFrame.url || '';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/);
  if (m) return byFile ? `${m[1]}/${m[2]}` : m[1];
  if (url.startsWith('node:')) return url;
  const d = url.match(/\/(apps|libs)\/.*$/);
  if (d) return d[0].replace(/^\//, '');
  return url || callFrame.functionName || '(vm)';
}

/** `function where:line`. */
export function frameLabel(callFrame, byFile = false) {
  return `${callFrame.functionName || '(anonymous)'} ${frameWhere(callFrame, byFile)}:${callFrame.lineNumber + 1}`;
}
