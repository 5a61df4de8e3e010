import { Controller, Get, Query } from '@nestjs/common';
import type { RouteStep } from '@omnigate/contracts';
import { z } from 'zod';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { ModalityRegistry } from './modality-registry';
import { RoutePlanner, toRouteSteps } from './route-planner';

const RoutesQuerySchema = z.strictObject({
  /** One modality, or several joined by commas (image,text). */
  from: z.string().min(1),
  to: z.string().min(1),
  task: z.string().optional(),
  adapter: z.string().optional(),
  domain: z.string().optional(),
  mediaType: z.string().optional(),
});

/** The router's plans, without running anything. */
@Controller('v1')
export class RoutesController {
  constructor(
    private readonly planner: RoutePlanner,
    private readonly modalities: ModalityRegistry,
    private readonly adapters: AdapterRegistry,
  ) {}

  /** `GET /v1/routes?from=audio&to=image&task=`: the route the router would take, and its fallbacks. */
  @Get('routes')
  routes(@Query() query: Record<string, unknown>): {
    from: string[];
    to: string;
    route: RouteStep[];
    alternatives: RouteStep[][];
  } {
    const q = RoutesQuerySchema.parse(query);
    const from = q.from.split(',').map((m) => m.trim());
    from.forEach((m) => this.modalities.assertKnown(m, 'from'));
    this.modalities.assertKnown(q.to, 'to');
    const routeQuery = {
      inputs: from,
      output: q.to,
      task: q.task,
      adapter: q.adapter,
      domain: q.domain,
      outputMediaType: q.mediaType,
    };
    const [best, ...rest] = this.planner.candidates(routeQuery);
    return { from, to: q.to, route: toRouteSteps(best), alternatives: rest.map(toRouteSteps) };
  }

  /**
   * `GET /v1/capabilities`: for each (from, to) pair of modalities, the route the router would
   * take (with no task: the cheapest); and every task some adapter performs, with its one-hop
   * edges, so that tasks no default route shows (`detect`, `faces`, `transcribe`) are listed too.
   */
  @Get('capabilities')
  capabilities(): {
    modalities: string[];
    routable: number;
    pairs: number;
    matrix: { from: string; to: string; route: RouteStep[] | null }[];
    tasks: TaskEdges[];
  } {
    const modalities = this.modalities.list();
    const matrix = modalities.flatMap((from) =>
      modalities.map((to) => {
        const [best] = this.planner.routes({ inputs: [from], output: to }, 1);
        return { from, to, route: best ? toRouteSteps(best) : null };
      }),
    );
    return {
      modalities,
      routable: matrix.filter((m) => m.route).length,
      pairs: matrix.length,
      matrix,
      tasks: this.tasks(),
    };
  }

  /** Every task, sorted, with the adapters and (inputs → output) edges that perform it. */
  private tasks(): TaskEdges[] {
    const byTask = new Map<string, TaskEdges>();
    for (const adapter of this.adapters.list()) {
      for (const capability of adapter.descriptor.capabilities) {
        let entry = byTask.get(capability.task);
        if (!entry) byTask.set(capability.task, (entry = { task: capability.task, edges: [] }));
        entry.edges.push({ adapter: adapter.descriptor.id, from: capability.inputs, to: capability.output });
      }
    }
    return [...byTask.values()].sort((a, b) => a.task.localeCompare(b.task));
  }
}

/** One task and the adapters' capabilities that perform it. */
interface TaskEdges {
  task: string;
  edges: { adapter: string; from: string[]; to: string }[];
}
