import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAdapterModules } from './adapter-modules';

const dir = mkdtempSync(join(tmpdir(), 'omnigate-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const context = { logger: pino({ level: 'silent' }) };

const ADAPTER = `{ descriptor: { id: 'pkg.echo', version: '1.0.0', capabilities: [{ task: 'echo', inputs: ['text'], output: 'text' }] }, invoke: async () => ({ outputs: [] }) }`;

/** Writes a module into the temp dir and returns its path relative to that dir. */
function module(name: string, source: string): string {
  writeFileSync(join(dir, name), source);
  return `./${name}`;
}

const load = (...specifiers: string[]) => loadAdapterModules(specifiers, context, dir);

describe('loadAdapterModules (ADAPTER_MODULES)', () => {
  it('loads createAdapters(), an adapters array, or either as the default export', async () => {
    const loaded = await load(
      module('factory.mjs', `export const createAdapters = async () => [${ADAPTER}];`),
      module('array.mjs', `export const adapters = [${ADAPTER.replace('pkg.echo', 'pkg.two')}];`),
      module('default.cjs', `module.exports = { adapters: [${ADAPTER.replace('pkg.echo', 'pkg.three')}] };`),
    );
    expect(loaded.map((a) => a.descriptor.id)).toEqual(['pkg.echo', 'pkg.two', 'pkg.three']);
  });

  it('loads a package directory through its package.json', async () => {
    const loaded = await loadAdapterModules(['./examples/adapter-package'], context, process.cwd());
    expect(loaded.map((a) => a.descriptor.id)).toEqual(['example.wordcount']);
  });

  it('loads an npm package by name', async () => {
    // Any installed package that is not an adapter module proves the name resolves and is checked.
    await expect(load('zod')).rejects.toThrow(/ADAPTER_MODULES: "zod" exports no adapters/);
  });

  it('stops with the module named when it cannot be found', async () => {
    await expect(load('./missing.mjs')).rejects.toThrow(
      /ADAPTER_MODULES: "\.\/missing\.mjs" could not be loaded/,
    );
  });

  it('stops when loading throws, keeping the cause', async () => {
    const error = await load(module('throws.mjs', `throw new Error('boom at load');`)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/could not be loaded: boom at load/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('stops when createAdapters() throws', async () => {
    const path = module(
      'factory-throws.mjs',
      `export function createAdapters() { throw new Error('no key'); }`,
    );
    await expect(load(path)).rejects.toThrow(/createAdapters\(\) failed: no key/);
  });

  it('stops when an export is not an adapter', async () => {
    const path = module('not-adapter.mjs', `export const adapters = [{ descriptor: {} }];`);
    await expect(load(path)).rejects.toThrow(/not an adapter/);
  });
});
