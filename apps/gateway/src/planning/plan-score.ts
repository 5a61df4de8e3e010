import type { TaskPlan } from '@omnigate/contracts';

/**
 * TaskBench's measures of a predicted plan against the expected one (Shen et al., 2023): node F1
 * over the tools called, edge F1 over the dependencies between them, each compared as multisets
 * (a tool called twice counts twice). Used by `npm run eval:planner`.
 */

/** A plan as TaskBench compares it: its tools (`adapter:task`) and its tool → tool edges. */
export interface PlanGraph {
  tools: string[];
  /** `from>to`, one per dependency of a task on an earlier task (inputs of the request are not edges). */
  edges: string[];
}

export interface F1 {
  precision: number;
  recall: number;
  f1: number;
}

/** The graph of a plan; `canonical` maps a tool to the name it is scored under (aliases). */
export function planGraph(plan: TaskPlan, canonical: (tool: string) => string = (tool) => tool): PlanGraph {
  const toolOf = new Map(plan.tasks.map((t) => [t.id, canonical(`${t.adapter}:${t.task}`)]));
  return {
    tools: [...toolOf.values()],
    edges: plan.tasks.flatMap((t) =>
      t.inputs.filter((ref) => toolOf.has(ref)).map((ref) => `${toolOf.get(ref)}>${toolOf.get(t.id)}`),
    ),
  };
}

/** Precision, recall and F1 of `predicted` against `expected` as multisets; two empty sets agree (1). */
export function multisetF1(predicted: readonly string[], expected: readonly string[]): F1 {
  if (predicted.length === 0 && expected.length === 0) return { precision: 1, recall: 1, f1: 1 };
  const left = new Map<string, number>();
  for (const item of expected) left.set(item, (left.get(item) ?? 0) + 1);
  let hits = 0;
  for (const item of predicted) {
    const count = left.get(item) ?? 0;
    if (count > 0) {
      hits++;
      left.set(item, count - 1);
    }
  }
  const precision = predicted.length === 0 ? 0 : hits / predicted.length;
  const recall = expected.length === 0 ? 0 : hits / expected.length;
  const f1 = hits === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Node (tool) and edge (dependency) F1 of one prediction; no prediction scores 0 on both. */
export function scorePlan(predicted: PlanGraph | undefined, expected: PlanGraph): { node: F1; edge: F1 } {
  const none = predicted ?? { tools: [], edges: [] };
  return { node: multisetF1(none.tools, expected.tools), edge: multisetF1(none.edges, expected.edges) };
}
