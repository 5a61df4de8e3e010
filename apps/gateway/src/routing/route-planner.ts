import type { Adapter } from '@omnigate/adapters';
import type { Capability, RouteStep } from '@omnigate/contracts';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../errors/gateway-error';
import type { AdapterHealth } from '../adapters/adapter-health';

export interface RouteQuery {
  /** Modalities of the inputs, in order. */
  inputs: string[];
  output: string;
  outputMediaType?: string;
  /** A hop of the route must perform this task. */
  task?: string;
  /** The route must go through this adapter. */
  adapter?: string;
  /**
   * Prefer routes through an adapter of this domain (a vertical); the base routes come after
   * them, as fallbacks.
   */
  domain?: string;
}

export interface PlannedHop {
  adapter: Adapter;
  capability: Capability;
}

interface Edge extends PlannedHop {
  cost: number;
}

interface State {
  modality: string;
  hops: PlannedHop[];
  cost: number;
  taskDone: boolean;
  adapterDone: boolean;
  /** Some hop's adapter is of the domain the search requires. */
  domainDone: boolean;
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((m) => sb.has(m));
};

const sameHop = (a: PlannedHop, b: PlannedHop) => a.adapter === b.adapter && a.capability === b.capability;

/** A route as the caller sees it; a vertical adapter's step names its domain. */
export const toRouteSteps = (hops: PlannedHop[]): RouteStep[] =>
  hops.map((h) => ({
    adapter: h.adapter.descriptor.id,
    task: h.capability.task,
    from: h.capability.inputs,
    to: h.capability.output,
    ...(h.adapter.descriptor.domain ? { domain: h.adapter.descriptor.domain } : {}),
  }));

/** The routes in order, each once. */
const distinct = (routes: PlannedHop[][]): PlannedHop[][] => {
  const seen = new Set<string>();
  return routes.filter((r) => !seen.has(routeKey(r)) && seen.add(routeKey(r)));
};

/** What one hop costs: the capability's (else the adapter's) cost hint, plus a little for latency. */
const edgeCost = (adapter: Adapter, capability: Capability) =>
  (capability.costHint ?? adapter.descriptor.costHint ?? 1) +
  (capability.latencyHintMs ?? adapter.descriptor.latencyHintMs ?? 0) / 10_000;

/** A stable order for equal costs: fewer hops first, then adapter ids and tasks. */
const routeKey = (hops: PlannedHop[]) =>
  hops.map((h) => `${h.adapter.descriptor.id}:${h.capability.task}`).join('>');

/**
 * Plans a route over the graph whose nodes are modalities and whose edges are adapter
 * capabilities: the cheapest chain of at most `maxHops` hops from the inputs to the output that
 * performs the requested task and goes through a pinned adapter. The first hop takes all the
 * inputs; each later hop takes the previous hop's output.
 */
export class RoutePlanner {
  private readonly cache = new LRUCache<string, PlannedHop[][]>({ max: 2_000 });

  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly limits: { maxHops: number; maxFallbacks: number },
    /** Adapters whose breaker is open are left out of routes. */
    private readonly health?: AdapterHealth,
  ) {}

  plan(query: RouteQuery): PlannedHop[] {
    return this.candidates(query)[0];
  }

  /** The best route and the ones to fall back to, best first; 422 `no_route` when there is none. */
  candidates(query: RouteQuery): [PlannedHop[], ...PlannedHop[][]] {
    const [best, ...rest] = this.routes(query, 1 + this.limits.maxFallbacks);
    if (!best) throw this.unavailable(query) ?? this.noRoute(query);
    return [best, ...rest];
  }

  /** Up to `limit` distinct routes, cheapest first (the later ones are fallbacks). */
  routes(query: RouteQuery, limit: number): PlannedHop[][] {
    if (query.adapter && !this.adapters.has(query.adapter)) {
      throw new GatewayError('not_found', `unknown adapter ${query.adapter}`, { adapter: query.adapter });
    }
    // Every request plans; the answer only changes when the adapters or their health do.
    const open = this.health?.openAdapters() ?? [];
    const key = [
      this.adapters.version,
      open.join(','),
      limit,
      [...query.inputs].sort().join('+'),
      query.output,
      query.outputMediaType,
      query.task,
      query.adapter,
      query.domain,
    ].join('|');
    let routes = this.cache.get(key);
    if (!routes) {
      const excluded = new Set(open);
      // With a domain: its vertical routes first, but never so many that no base route is left
      // to fall back to.
      routes = query.domain
        ? distinct([
            ...this.search(query, Math.ceil(limit / 2), excluded, query.domain),
            ...this.search(query, limit, excluded),
          ]).slice(0, limit)
        : this.search(query, limit, excluded);
      this.cache.set(key, routes);
    }
    return routes;
  }

  /** Up to `limit` routes, cheapest first; with `domain`, only routes through an adapter of it. */
  private search(
    query: RouteQuery,
    limit: number,
    excluded: ReadonlySet<string>,
    domain?: string,
  ): PlannedHop[][] {
    const edges = this.edges().filter((e) => !excluded.has(e.adapter.descriptor.id));
    const found: State[] = [];
    // Best-first search; routes are short (maxHops), so a sorted frontier is plenty.
    const frontier: State[] = edges
      .filter((e) => sameSet(e.capability.inputs, query.inputs))
      .map((e) => this.extend(undefined, e, query, domain));
    while (frontier.length > 0 && found.length < limit) {
      frontier.sort(
        (a, b) =>
          a.cost - b.cost ||
          a.hops.length - b.hops.length ||
          routeKey(a.hops).localeCompare(routeKey(b.hops)),
      );
      const state = frontier.shift()!;
      if (this.satisfies(state, query)) {
        // A route that contains a cheaper found route's hops adds only detours: it fails when
        // that one does, so it is no alternative.
        if (!found.some((f) => f.hops.every((h) => state.hops.some((x) => sameHop(x, h))))) found.push(state);
        continue;
      }
      if (state.hops.length >= this.limits.maxHops) continue;
      for (const edge of edges) {
        if (edge.capability.inputs.length !== 1 || edge.capability.inputs[0] !== state.modality) continue;
        // A route never passes through the same capability twice.
        if (state.hops.some((h) => sameHop(h, edge))) continue;
        frontier.push(this.extend(state, edge, query, domain));
      }
    }
    return found.map((s) => s.hops);
  }

  /** What each input combination can reach, and how: the capability matrix. */
  reachable(inputs: string[]): string[] {
    const outputs = new Set<string>();
    let frontier = this.edges()
      .filter((e) => sameSet(e.capability.inputs, inputs))
      .map((e) => ({ modality: e.capability.output, hops: 1 }));
    while (frontier.length > 0) {
      const next: typeof frontier = [];
      for (const { modality, hops } of frontier) {
        if (outputs.has(modality)) continue;
        outputs.add(modality);
        if (hops >= this.limits.maxHops) continue;
        for (const e of this.edges()) {
          if (e.capability.inputs.length === 1 && e.capability.inputs[0] === modality) {
            next.push({ modality: e.capability.output, hops: hops + 1 });
          }
        }
      }
      frontier = next;
    }
    return [...outputs].sort();
  }

  private edges(): Edge[] {
    return this.adapters.list().flatMap((adapter) =>
      adapter.descriptor.capabilities.map((capability) => ({
        adapter,
        capability,
        cost: edgeCost(adapter, capability),
      })),
    );
  }

  private extend(state: State | undefined, edge: Edge, query: RouteQuery, domain?: string): State {
    return {
      modality: edge.capability.output,
      hops: [...(state?.hops ?? []), { adapter: edge.adapter, capability: edge.capability }],
      cost: (state?.cost ?? 0) + edge.cost,
      taskDone: (state?.taskDone ?? false) || !query.task || edge.capability.task === query.task,
      adapterDone:
        (state?.adapterDone ?? false) || !query.adapter || edge.adapter.descriptor.id === query.adapter,
      domainDone: (state?.domainDone ?? false) || !domain || edge.adapter.descriptor.domain === domain,
    };
  }

  private satisfies(state: State, query: RouteQuery): boolean {
    if (state.modality !== query.output || !state.taskDone || !state.adapterDone || !state.domainDone) {
      return false;
    }
    const last = state.hops[state.hops.length - 1].capability;
    return (
      !query.outputMediaType ||
      !last.outputMediaTypes ||
      last.outputMediaTypes.includes(query.outputMediaType)
    );
  }

  /** A 503 when routes exist but every one goes through an adapter whose breaker is open. */
  private unavailable(query: RouteQuery): GatewayError | undefined {
    if (!this.health || this.health.openAdapters().length === 0) return undefined;
    const [blocked] = this.search(query, 1, new Set());
    if (!blocked) return undefined;
    const adapters = blocked.map((h) => h.adapter.descriptor.id).filter((id) => this.health!.isOpen(id));
    return new GatewayError(
      'unavailable',
      `every route goes through an adapter that keeps failing (${adapters.join(', ')}); try again later`,
      { adapters, retryAfterMs: this.health.retryAfterMs(adapters) },
    );
  }

  private noRoute(query: RouteQuery): GatewayError {
    const from = [...new Set(query.inputs)];
    const tasks = [
      ...new Set(
        this.edges()
          .filter((e) => sameSet(e.capability.inputs, query.inputs))
          .map((e) => `${e.capability.output} (${e.capability.task})`),
      ),
    ].sort();
    const what = [
      query.task && `task ${query.task}`,
      query.adapter && `adapter ${query.adapter}`,
      query.outputMediaType,
    ]
      .filter(Boolean)
      .join(', ');
    return new GatewayError(
      'no_route',
      `no route from ${from.join(' + ')} to ${query.output}${what ? ` (${what})` : ''}`,
      {
        from,
        to: query.output,
        ...(query.task ? { task: query.task } : {}),
        ...(query.adapter ? { adapter: query.adapter } : {}),
        reachable: this.reachable(query.inputs),
        firstHops: tasks,
      },
    );
  }
}
