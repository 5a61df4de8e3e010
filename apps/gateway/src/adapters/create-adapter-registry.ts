import {
  createBuiltinAdapters,
  createOpenAiAdapters,
  findSystemTools,
  type Adapter,
} from '@omnigate/adapters';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { AdapterSandbox } from '../sandbox/adapter-sandbox';
import { loadAdapterModules } from './adapter-modules';
import { AdapterRegistry } from './adapter-registry';

/**
 * The adapters this process starts with: the built-in ones and those of SANDBOX_ADAPTER_MODULES
 * run in the sandbox (unless SANDBOX_PROCESSES=0), the OpenAI backends' and ADAPTER_MODULES' in
 * process. Each is also built here, in the main thread, for its descriptor and options schema.
 */
export async function createAdapterRegistry(config: AppConfig, logger: Logger): Promise<AdapterRegistry> {
  const { sandbox: settings } = config;
  const { tools, missing } = findSystemTools(config.builtins.tools);
  if (missing.length > 0) {
    logger.info(
      { missing },
      `built-in adapters without their system package are absent; to have them, apt-get install ${missing.join('; ')}`,
    );
  }
  const builtinSettings = { limits: config.limits, models: config.builtins.models, tools };
  const sandbox =
    settings.processes > 0
      ? new AdapterSandbox(
          { ...settings, process: { ...builtinSettings, modules: settings.modules } },
          logger,
        )
      : undefined;
  const isolate = (adapters: Adapter[]) => (sandbox ? adapters.map((a) => sandbox.wrap(a)) : adapters);

  const builtins = createBuiltinAdapters(builtinSettings);
  const registry = new AdapterRegistry(isolate(builtins));
  for (const backend of config.openAiBackends) {
    const adapters = createOpenAiAdapters(backend, { maxResponseBytes: config.blobs.maxBytes });
    for (const adapter of adapters) registry.register(adapter, 'openai');
  }
  for (const adapter of await loadAdapterModules(config.adapterModules, { logger })) {
    registry.register(adapter, 'module');
  }
  const sandboxed = await loadAdapterModules(settings.modules, { logger });
  for (const adapter of isolate(sandboxed)) registry.register(adapter, 'module');
  if (sandbox && runsSandboxedHops(config, [...builtins, ...sandboxed])) sandbox.warm();
  return registry;
}

/** Whether this process works hops of sandboxed adapters: a worker, serving all adapters or some of these. */
function runsSandboxedHops(config: AppConfig, sandboxed: Adapter[]): boolean {
  if (config.role === 'api') return false;
  const { workerAdapters } = config.queue;
  return workerAdapters.length === 0 || sandboxed.some((a) => workerAdapters.includes(a.descriptor.id));
}
