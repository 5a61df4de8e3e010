// The compiled gateway a benchmark runs: a copy of its build tree, so that a rebuild of dist/ by
// someone else during the run cannot pull files from under the children. Imports in it are
// relative, and packages still resolve from the repository's node_modules.
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { safeExec } from './machine.mjs';

export const MAIN_IN_BUILD = 'apps/gateway/src/main.js';

/**
 * Copies the build tree of `sourceMain` (…/<tree>/apps/gateway/src/main.js) to `snapshotDir`;
 * returns { source, builtAt, commit, snapshot, main } where `main` is the copy's main.js and
 * `commit` the HEAD of the checkout the build is in (a working tree may hold edits on top).
 */
export function snapshotGatewayBuild(sourceMain, snapshotDir) {
  if (!sourceMain.endsWith(MAIN_IN_BUILD)) throw new Error(`${sourceMain} must end with ${MAIN_IN_BUILD}`);
  if (!existsSync(sourceMain)) throw new Error(`${sourceMain} is missing: run \`npm run build\` first`);
  rmSync(snapshotDir, { recursive: true, force: true });
  cpSync(sourceMain.slice(0, -MAIN_IN_BUILD.length), snapshotDir, { recursive: true });
  return {
    source: sourceMain,
    builtAt: statSync(sourceMain).mtime.toISOString(),
    commit:
      safeExec('git', ['-C', dirname(sourceMain), 'rev-parse', '--short', 'HEAD']) ||
      'unknown (not a git checkout)',
    snapshot: snapshotDir,
    main: `${snapshotDir}/${MAIN_IN_BUILD}`,
  };
}
