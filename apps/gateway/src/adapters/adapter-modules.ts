import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Adapter } from '@omnigate/adapters';
import type { Logger } from 'pino';

/** What a module named in ADAPTER_MODULES gives the gateway when it loads. */
export interface AdapterModuleContext {
  logger: Logger;
}

/**
 * The shapes an adapter module may export (named or as `default`):
 * `createAdapters(context)` returning adapters (or a promise of them), or an `adapters` array.
 */
type AdapterModule = {
  createAdapters?: (context: AdapterModuleContext) => Adapter[] | Promise<Adapter[]>;
  adapters?: Adapter[];
  default?: AdapterModule;
};

export class AdapterModuleError extends Error {
  override readonly name = 'AdapterModuleError';
}

/**
 * Loads the adapters of every module in ADAPTER_MODULES, in order: npm package names, or paths
 * (relative to `cwd`) to JavaScript files. A module that fails to load or exports no adapters
 * stops start-up; bad descriptors are caught when the adapters are registered.
 */
export async function loadAdapterModules(
  specifiers: string[],
  context: AdapterModuleContext,
  cwd = process.cwd(),
): Promise<Adapter[]> {
  const loaded: Adapter[] = [];
  for (const specifier of specifiers) {
    const adapters = await loadOne(specifier, context, cwd);
    context.logger.info(
      { module: specifier, adapters: adapters.map((a) => a.descriptor.id) },
      'adapter module loaded',
    );
    loaded.push(...adapters);
  }
  return loaded;
}

async function loadOne(specifier: string, context: AdapterModuleContext, cwd: string): Promise<Adapter[]> {
  const fail = (reason: string, cause?: unknown) =>
    new AdapterModuleError(`ADAPTER_MODULES: "${specifier}" ${reason}`, { cause });
  let module: AdapterModule;
  try {
    module = (await import(toImportable(specifier, cwd))) as AdapterModule;
  } catch (err) {
    throw fail(`could not be loaded: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const exported = module.createAdapters || module.adapters ? module : (module.default ?? {});
  let adapters: unknown;
  try {
    adapters = exported.createAdapters ? await exported.createAdapters(context) : exported.adapters;
  } catch (err) {
    throw fail(`createAdapters() failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!Array.isArray(adapters) || adapters.length === 0) {
    throw fail('exports no adapters (expected createAdapters() or an adapters array)');
  }
  for (const adapter of adapters as unknown[]) {
    if (!isAdapter(adapter)) throw fail('exports something that is not an adapter (descriptor and invoke())');
  }
  return adapters as Adapter[];
}

/**
 * Paths become file URLs (import() needs them for absolute paths); a directory is a package, its
 * entry read from its package.json. Package names stay as they are.
 */
function toImportable(specifier: string, cwd: string): string {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  if (!isPath) return specifier;
  const path = resolve(cwd, specifier);
  return pathToFileURL(statSync(path, { throwIfNoEntry: false })?.isDirectory() ? packageEntry(path) : path)
    .href;
}

/** The file a package directory's package.json points at (`exports` ".", else `main`, else index.js). */
function packageEntry(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    main?: string;
    exports?: string | Record<string, unknown>;
  };
  const root = typeof manifest.exports === 'object' ? manifest.exports['.'] : manifest.exports;
  const conditional =
    typeof root === 'object' && root !== null ? (root as Record<string, unknown>) : undefined;
  const entry = [root, conditional?.import, conditional?.default, manifest.main].find(
    (candidate): candidate is string => typeof candidate === 'string',
  );
  return join(dir, entry ?? 'index.js');
}

function isAdapter(value: unknown): value is Adapter {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Adapter>;
  return typeof candidate.invoke === 'function' && typeof candidate.descriptor === 'object';
}
