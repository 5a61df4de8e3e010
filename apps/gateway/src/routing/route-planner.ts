import type { Adapter } from '@omnigate/adapters';
import type { Capability } from '@omnigate/contracts';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import { GatewayError } from '../errors/gateway-error';

export interface RouteQuery {
  /** Modalities of the inputs, in order. */
  inputs: string[];
  output: string;
  outputMediaType?: string;
  task?: string;
  adapter?: string;
}

export interface PlannedHop {
  adapter: Adapter;
  capability: Capability;
}

const sameSet = (a: string[], b: string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((m) => sb.has(m));
};

/** Single-hop router: the cheapest adapter capability that turns these inputs into the output. */
export class RoutePlanner {
  constructor(private readonly adapters: AdapterRegistry) {}

  plan(query: RouteQuery): PlannedHop {
    if (query.adapter && !this.adapters.has(query.adapter)) {
      throw new GatewayError('not_found', `unknown adapter ${query.adapter}`, { adapter: query.adapter });
    }
    const candidates = this.adapters
      .list()
      .filter((a) => !query.adapter || a.descriptor.id === query.adapter)
      .flatMap((adapter) => adapter.descriptor.capabilities.map((capability) => ({ adapter, capability })))
      .filter(({ capability: c }) => sameSet(c.inputs, query.inputs) && c.output === query.output)
      .filter(({ capability: c }) => !query.task || c.task === query.task)
      .filter(
        ({ capability: c }) =>
          !query.outputMediaType || !c.outputMediaTypes || c.outputMediaTypes.includes(query.outputMediaType),
      )
      .sort((a, b) => (a.adapter.descriptor.costHint ?? 1) - (b.adapter.descriptor.costHint ?? 1));
    const best = candidates[0];
    if (!best) throw this.noRoute(query);
    return best;
  }

  private noRoute(query: RouteQuery): GatewayError {
    const from = [...new Set(query.inputs)];
    const reachable = [
      ...new Set(
        this.adapters
          .descriptors()
          .flatMap((d) => d.capabilities)
          .filter((c) => sameSet(c.inputs, query.inputs))
          .map((c) => `${c.output} (${c.task})`),
      ),
    ];
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
        reachable,
      },
    );
  }
}
