import type { DynamicModule, Type } from '@nestjs/common';
import type { AppConfig } from './app-config';

const built = new WeakMap<AppConfig, Map<Type, DynamicModule>>();

/**
 * The feature module `module` for `config`, defined once: every module importing it gets the same
 * object, which Nest takes for one module (it tells dynamic modules apart by reference), so its
 * providers are made once.
 */
export function featureModule(
  module: Type,
  config: AppConfig,
  define: () => Omit<DynamicModule, 'module'>,
): DynamicModule {
  let modules = built.get(config);
  if (!modules) built.set(config, (modules = new Map()));
  let found = modules.get(module);
  if (!found) modules.set(module, (found = { module, ...define() }));
  return found;
}

/** A worker serves queues, not the API: it registers no API controllers (it answers /health and /metrics only). */
export function apiControllers(config: AppConfig, controllers: Type[]): Type[] {
  return config.role === 'worker' ? [] : controllers;
}
