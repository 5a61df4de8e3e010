/**
 * The two lanes of work. A batch line's hops are in the `batch` lane, every other hop in the
 * `interactive` one; each adapter has a queue per lane, so a process works only the lanes its
 * WORKER_LANES names and batch hops never take an interactive worker's slot (nor its event loop,
 * when the lanes run in different processes). The batch runner (which reads a batch's input and
 * queues its lines) runs where the batch lane is worked.
 */
import type { AppConfig } from '../config/app-config';
import type { HopJob } from './job-record';

export const WORK_LANES = ['interactive', 'batch'] as const;
export type WorkLane = (typeof WORK_LANES)[number];

/** The lane of a hop: absent `lane` is interactive (as every hop was before lanes). */
export function laneOf(hop: Pick<HopJob, 'lane'>): WorkLane {
  return hop.lane ?? 'interactive';
}

/** What a hop of `lane` carries to say so: nothing for interactive hops, `{lane: 'batch'}` else. */
export function laneField(lane: WorkLane): Pick<HopJob, 'lane'> {
  return lane === 'batch' ? { lane } : {};
}

/**
 * The queue of an adapter's hops in one lane: the adapter's id for the interactive lane (the
 * queue every hop took before lanes), `<id>@batch` for the batch lane. An adapter id never holds
 * `@` (AdapterDescriptorSchema), so the names cannot collide, and BullMQ refuses only `:`.
 */
export function hopQueueName(adapterId: string, lane: WorkLane): string {
  return lane === 'interactive' ? adapterId : `${adapterId}@${lane}`;
}

/** Whether this process works `lane` (WORKER_LANES; by default both). */
export function worksLane(config: AppConfig, lane: WorkLane): boolean {
  return config.queue.workerLanes.includes(lane);
}
