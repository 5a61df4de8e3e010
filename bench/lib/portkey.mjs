// Portkey's open-source AI gateway as a peer in a benchmark: installed from npm into a folder of
// its own (not a dependency of this repository), kept there for the next run, started as a child
// process. Used by bench/chat-peers.mjs.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, spawnLogged, waitUntilOk } from './processes.mjs';

export const PORTKEY_PACKAGE = '@portkey-ai/gateway';
export const PORTKEY_VERSION = '1.15.2';

/**
 * @hono/node-server as Portkey's own repository locks and patches it
 * (patches/@hono+node-server+1.13.5.patch there). The npm package leaves it at ^1.3.3, which
 * resolves to 1.19.x today; from 1.14.2 on, its Response reuses the upstream fetch answer's
 * immutable Headers when the body is a stream, and every streamed call through Portkey fails
 * (500 "Something went wrong", "TypeError: immutable" in its log). The patch itself (an await in
 * the error path) is not applied: the package does not ship its patches/ folder.
 */
export const PORTKEY_HONO_NODE_SERVER = '1.13.5';

/**
 * Installs Portkey into `dir` (npm install of a package.json naming it, with the override above;
 * scripts ignored: its postinstall runs patch-package, which finds no patches in the package), unless
 * an earlier run left it there. Returns { dir, entry, versions, installed, installS } where `entry`
 * is the package's `bin` script and `versions` the installed versions of Portkey, hono and
 * @hono/node-server.
 */
export function installPortkey(dir, logFile) {
  const manifest = {
    name: 'omnigate-bench-portkey',
    private: true,
    dependencies: { [PORTKEY_PACKAGE]: PORTKEY_VERSION },
    overrides: { '@hono/node-server': PORTKEY_HONO_NODE_SERVER },
  };
  const marker = join(dir, 'installed.json');
  const wanted = JSON.stringify(manifest);
  let installed = false;
  let installS = 0;
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== wanted) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const t0 = performance.now();
    const log = openSync(logFile, 'w');
    try {
      execFileSync(
        'npm',
        ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', '--loglevel=warn'],
        { cwd: dir, stdio: ['ignore', log, log], timeout: 600_000 },
      );
    } catch (err) {
      throw new Error(
        `npm install of ${PORTKEY_PACKAGE}@${PORTKEY_VERSION} in ${dir} failed; log ${logFile}`,
        {
          cause: err,
        },
      );
    } finally {
      closeSync(log);
    }
    installS = (performance.now() - t0) / 1000;
    installed = true;
  }
  const versionOf = (name) =>
    JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  const pkgFile = join(dir, 'node_modules', PORTKEY_PACKAGE, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0];
  if (pkg.version !== PORTKEY_VERSION || !bin) {
    throw new Error(
      `${pkgFile}: version ${pkg.version}, bin ${bin} (expected ${PORTKEY_VERSION} with a bin)`,
    );
  }
  const entry = join(dirname(pkgFile), bin);
  if (!existsSync(entry)) throw new Error(`${entry} (the package's bin) is missing`);
  const versions = {
    portkey: pkg.version,
    hono: versionOf('hono'),
    honoNodeServer: versionOf('@hono/node-server'),
  };
  if (versions.honoNodeServer !== PORTKEY_HONO_NODE_SERVER) {
    throw new Error(
      `${dir}: @hono/node-server ${versions.honoNodeServer}, expected ${PORTKEY_HONO_NODE_SERVER}`,
    );
  }
  if (installed) writeFileSync(marker, wanted);
  return { dir, entry, versions, installed, installS };
}

/**
 * Starts Portkey's node server (`<bin> --port=N --headless`, NODE_ENV=production, an environment
 * of PATH and HOME only, so that nothing of this process's reaches it) as a child registered in
 * `children`; resolves { proc, name, url, port } once GET / answers 200. It listens on every
 * interface (it has no host option); the benchmark only calls it on 127.0.0.1.
 */
export async function startPortkey(children, { entry, dir, logFile }) {
  const port = await freePort();
  const proc = spawnLogged(process.execPath, [entry, `--port=${port}`, '--headless'], logFile, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
  });
  const child = { proc, name: 'portkey', url: `http://127.0.0.1:${port}`, port };
  children.add(child);
  await waitUntilOk(proc, `${child.url}/`, 30_000, { what: 'Portkey', logFile });
  return child;
}
