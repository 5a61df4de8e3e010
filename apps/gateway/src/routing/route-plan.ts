import type { Adapter } from '@omnigate/adapters';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord, PlannedRoute } from '../jobs/job-record';
import { toRouteSteps, type PlannedHop } from './route-planner';

/**
 * The routing decisions a job needs besides the search for candidates (RoutePlanner): a
 * candidate as the hops to queue with their options, and the route to fall back to after a
 * failure.
 */

/** A planned route as hops to queue, the steps the caller sees, and warnings for unused options. */
export function planRoute(
  hops: PlannedHop[],
  options: Record<string, unknown>,
  outputMediaType: string | undefined,
): PlannedRoute & { warnings: string[] } {
  const { perHop, warnings } = assignOptions(
    hops.map((h) => h.adapter),
    options,
  );
  const last = hops.length - 1;
  return {
    plan: hops.map((h, i) => ({
      adapter: h.adapter.descriptor.id,
      task: h.capability.task,
      output: {
        modality: h.capability.output,
        ...(i === last && outputMediaType ? { mediaType: outputMediaType } : {}),
      },
      options: perHop[i],
    })),
    route: toRouteSteps(hops),
    warnings,
  };
}

/**
 * Gives each hop the options its adapter knows (checked by the adapter's schema); an option no
 * hop knows becomes a warning, not an error. A known option with a bad value is 400.
 */
function assignOptions(
  adapters: Adapter[],
  options: Record<string, unknown>,
): { perHop: Record<string, unknown>[]; warnings: string[] } {
  const used = new Set<string>();
  const perHop = adapters.map((adapter) => {
    if (!adapter.options) return {};
    const parsed = adapter.options.safeParse(options);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: ['options', ...i.path].join('.'),
        message: i.message,
      }));
      throw new GatewayError('invalid_request', `${issues[0]?.path}: ${issues[0]?.message}`, {
        adapter: adapter.descriptor.id,
        issues,
      });
    }
    const known = parsed.data as Record<string, unknown>;
    for (const key of Object.keys(options)) if (key in known) used.add(key);
    return known;
  });
  const ids = [...new Set(adapters.map((a) => a.descriptor.id))].join(', ');
  const warnings = Object.keys(options)
    .filter((key) => !used.has(key))
    .map((key) => `option "${key}" is not used by ${ids}`);
  return { perHop, warnings };
}

/**
 * The best remaining route that avoids every adapter that has failed this job, and the routes
 * after it. Routes that use a failed adapter are dropped: they would fail the same way.
 */
export function nextRoute(
  record: JobRecord,
  failedAdapter: string,
): { route: PlannedRoute; rest: PlannedRoute[] } | undefined {
  const failed = new Set([failedAdapter, ...(record.fallbacks ?? []).map((f) => f.adapter)]);
  const usable = record.alternatives.filter((r) => !r.plan.some((h) => failed.has(h.adapter)));
  const [route, ...rest] = usable;
  return route && { route, rest };
}
