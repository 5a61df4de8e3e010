import type { InferRequest, InputPart, OutputPart } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
import type { CheckedTask } from './plan-check';

/** Runs one task's request as a job, to its end: the completed record, or a GatewayError. */
export type RunTask = (task: CheckedTask, request: InferRequest) => Promise<JobRecord>;

/**
 * Stage 3 of the LLM planner: runs a checked plan's tasks as jobs, each as soon as the tasks it
 * depends on have completed, so independent tasks run at once. A task takes the request's inputs
 * (`inputs`, as stored references) and its dependencies' outputs. The first failure stops the
 * tasks not yet started and is thrown; the completed records are returned by task id otherwise.
 */
export async function runPlan(
  tasks: readonly CheckedTask[],
  inputs: readonly InputPart[],
  runTask: RunTask,
  priority?: number,
): Promise<Map<string, JobRecord>> {
  const started = new Map<string, Promise<JobRecord>>();
  let failed = false;
  for (const checked of tasks) {
    const deps = checked.sources.flatMap((s) => (s.kind === 'task' ? [s.id] : []));
    // Tasks come in dependency order, so every dependency's promise exists already.
    const ready = Promise.all(deps.map((id) => started.get(id)!));
    const run = ready.then(async (records) => {
      if (failed) throw new NotStarted();
      const outputs = new Map(deps.map((id, i) => [id, records[i].outputs]));
      return runTask(checked, taskRequest(checked, inputs, outputs, priority));
    });
    run.catch(() => (failed = true));
    started.set(checked.task.id, run);
  }
  const settled = await Promise.allSettled(started.values());
  // The first task in dependency order that failed on its own, not one left unstarted by it.
  const failure = settled.find(
    (s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof NotStarted),
  );
  if (failure) throw failure.reason;
  return new Map(
    [...started.keys()].map((id, i) => [id, (settled[i] as PromiseFulfilledResult<JobRecord>).value]),
  );
}

/** A task left out because another failed first: never the error a caller sees. */
class NotStarted extends Error {
  override readonly name = 'NotStarted';
}

/** A task as an ordinary request pinned to its adapter and task, planned by the graph (one hop). */
function taskRequest(
  checked: CheckedTask,
  inputs: readonly InputPart[],
  outputs: ReadonlyMap<string, OutputPart[]>,
  priority: number | undefined,
): InferRequest {
  const parts = checked.sources.flatMap((source) =>
    source.kind === 'input' ? [inputs[source.index]] : outputs.get(source.id)!.map(asInput),
  );
  return {
    inputs: parts,
    output: { modality: checked.capability.output },
    adapter: checked.adapter.descriptor.id,
    task: checked.task.task,
    options: checked.task.options ?? {},
    mode: 'sync',
    planner: 'graph',
    ...(priority !== undefined ? { priority } : {}),
  };
}

/** An earlier task's output as the next task's input: text inline, media by blob, its modality declared. */
function asInput(output: OutputPart): InputPart {
  const hints = { modality: output.modality, mediaType: output.mediaType };
  return output.text !== undefined ? { text: output.text, ...hints } : { blobId: output.blobId!, ...hints };
}
