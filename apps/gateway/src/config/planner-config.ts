import type { OpenAiBackend, PlannerKind } from '@omnigate/contracts';

/**
 * The LLM planner's settings: which planner a request without `planner` gets (PLANNER), and the
 * chat adapter that plans (PLANNER_MODEL, resolved to an adapter id). Without `adapter`, only
 * the graph planner exists.
 */
export interface PlannerConfig {
  default: PlannerKind;
  adapter?: string;
}

/**
 * Resolves PLANNER_MODEL to the id of an OpenAI-compatible chat adapter: it names the adapter
 * (`<backend>.chat`, `<backend>.vision`) or the model a backend serves for chat. Throws a message
 * naming the variable when it names neither, or when PLANNER=llm has no model to plan with.
 */
export function plannerConfig(
  planner: PlannerKind,
  model: string | undefined,
  backends: readonly OpenAiBackend[],
): PlannerConfig {
  if (model === undefined) {
    if (planner === 'llm') {
      throw new Error('PLANNER=llm needs PLANNER_MODEL (a chat adapter such as openai.chat, or its model)');
    }
    return { default: planner };
  }
  const chats = backends.flatMap((backend) =>
    (['chat', 'vision'] as const).flatMap((kind) =>
      backend.models[kind] ? [{ adapter: `${backend.id}.${kind}`, model: backend.models[kind] }] : [],
    ),
  );
  const found = chats.find((c) => c.adapter === model) ?? chats.find((c) => c.model === model);
  if (!found) {
    const known = chats.map((c) => `${c.adapter} (${c.model})`).join(', ');
    throw new Error(
      `PLANNER_MODEL: ${model} is neither the chat adapter nor the chat model of an OpenAI-compatible backend` +
        (known ? ` (known: ${known})` : ' (OPENAI_BACKENDS / OPENAI_API_KEY configure none)'),
    );
  }
  return { default: planner, adapter: found.adapter };
}
