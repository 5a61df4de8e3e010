// omnigate web console benchmark (issue 15): how big is the console, and how fast does its page
// load from the gateway on loopback? One built gateway (QUEUE_DRIVER=inline: the page's calls
// need no Redis) serving dist/console; Debian's Chromium driven by playwright-core.
//   sizes  every file of the build: raw, gzip and Brotli bytes (the twins the build wrote, which the
//          gateway serves); "first load" is what the page's HTML pulls in, "lazy" the chunks loaded
//          only when a renderer needs them (three.js, uPlot, wavesurfer.js...).
//   load   LOADS cold loads (a new browser context each: empty cache) and LOADS warm reloads of
//          /#/playground: the navigation's loadEventEnd, and the time until the app is ready (its
//          `omnigate:ready` mark: the key checked with /v1/whoami, the page rendered), median and
//          worst, both from the navigation's start as the browser measures it.
// Usage: npm run bench:console   (builds, then runs this file; under a minute). Knobs (env):
//   BENCH_CONSOLE_LOADS=20   BENCH_OUT=console.json (under bench/results/)
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium } from 'playwright-core';
import { benchRun } from './lib/lifecycle.mjs';
import { machineInfo } from './lib/machine.mjs';
import { fmt, markdownTable, round } from './lib/numbers.mjs';
import { startGatewayChild } from './lib/processes.mjs';
import { GATEWAY_MAIN, LOG_DIR, RESULTS_DIR, ROOT } from './lib/shared.mjs';

const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 20);
const CONSOLE_DIR = join(ROOT, 'dist/console');
const CHROMIUM = '/usr/bin/chromium';

function sizes() {
  const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  const files = walk(CONSOLE_DIR).filter((f) => !f.endsWith('.br') && !f.endsWith('.gz'));
  const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  const size = (f) => {
    try {
      return statSync(f).size;
    } catch {
      return NaN;
    }
  };
  return files.map((f) => {
    const name = relative(CONSOLE_DIR, f);
    return {
      name,
      first: name === 'index.html' || html.includes(`/${name}`),
      raw: size(f),
      gzip: size(`${f}.gz`),
      brotli: size(`${f}.br`),
    };
  });
}

function sum(rows, key) {
  return rows.reduce((a, r) => a + (Number.isNaN(r[key]) ? r.raw : r[key]), 0);
}

const run = benchRun({ redis: () => undefined });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const machine = machineInfo();
  const files = sizes();
  const first = files.filter((f) => f.first);
  const lazy = files.filter((f) => !f.first);
  mkdirSync(LOG_DIR, { recursive: true });
  const gw = await startGatewayChild(run.children, {
    name: 'console',
    main: GATEWAY_MAIN,
    cwd: ROOT,
    logFile: join(LOG_DIR, 'console-gateway.log'),
    publicEnv: { QUEUE_DRIVER: 'inline', LOG_LEVEL: 'warn', NODE_ENV: 'production', CONSOLE_DIR },
    blobDir: run.mkTemp('omnigate-bench-console-'),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  const measure = async (page, reload = false) => {
    await (reload ? page.reload() : page.goto(`${gw.url}/#/playground`));
    await page.waitForSelector('nav a[aria-current="page"]');
    await page.waitForFunction("performance.getEntriesByName('omnigate:ready').length > 0");
    const shownMs = await page.evaluate("performance.getEntriesByName('omnigate:ready')[0].startTime");
    await page.waitForLoadState('load');
    const loadMs = await page.evaluate(
      "(([nav]) => nav.loadEventEnd - nav.startTime)(performance.getEntriesByType('navigation'))",
    );
    return { loadMs, shownMs };
  };
  const cold = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    cold.push(await measure(await context.newPage()));
    await context.close();
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await measure(page);
  const warm = [];
  for (let i = 0; i < LOADS; i++) warm.push(await measure(page, true));
  await browser.close();
  await run.cleanup();

  const stat = (xs, k) => ({
    median: round(median(xs.map((x) => x[k])), 1),
    max: round(Math.max(...xs.map((x) => x[k])), 1),
  });
  const result = {
    machine,
    loads: LOADS,
    sizes: {
      files,
      first: { raw: sum(first, 'raw'), gzip: sum(first, 'gzip'), brotli: sum(first, 'brotli') },
      lazy: { raw: sum(lazy, 'raw'), gzip: sum(lazy, 'gzip'), brotli: sum(lazy, 'brotli') },
    },
    cold: { loadMs: stat(cold, 'loadMs'), shownMs: stat(cold, 'shownMs') },
    warm: { loadMs: stat(warm, 'loadMs'), shownMs: stat(warm, 'shownMs') },
  };
  const kb = (n) => fmt(n / 1024, 1);
  console.log(
    `\n${markdownTable(
      ['file', 'first load', 'raw KiB', 'gzip KiB', 'brotli KiB'],
      [
        ...files
          .sort((a, b) => b.raw - a.raw)
          .map((f) => [f.name, f.first ? 'yes' : 'lazy', kb(f.raw), kb(f.gzip), kb(f.brotli)]),
        [
          '**first load**',
          '',
          kb(result.sizes.first.raw),
          kb(result.sizes.first.gzip),
          kb(result.sizes.first.brotli),
        ],
        [
          '**lazy chunks**',
          '',
          kb(result.sizes.lazy.raw),
          kb(result.sizes.lazy.gzip),
          kb(result.sizes.lazy.brotli),
        ],
      ],
    )}\n`,
  );
  console.log(
    markdownTable(
      ['', 'load event ms (median / max)', 'app ready ms (median / max)'],
      [
        [
          'cold (empty cache)',
          `${result.cold.loadMs.median} / ${result.cold.loadMs.max}`,
          `${result.cold.shownMs.median} / ${result.cold.shownMs.max}`,
        ],
        [
          'warm (reload)',
          `${result.warm.loadMs.median} / ${result.warm.loadMs.max}`,
          `${result.warm.shownMs.median} / ${result.warm.shownMs.max}`,
        ],
      ],
    ),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, process.env.BENCH_OUT ?? 'console.json'), JSON.stringify(result, null, 2));
}

run.start(main);
