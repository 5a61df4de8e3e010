import type { Registry } from 'prom-client';
import { FINAL_BATCH_STATUSES, type BatchStatus } from '../batches/batch-object';
import type { BatchLineStatus, BatchObserver } from '../batches/batch-runner';
import { SeriesCounter, seriesFor, type CounterSeries } from './series';

const LINE_STATUSES: readonly BatchLineStatus[] = ['completed', 'failed', 'expired'];

/**
 * Batch lines and batches as they end, counted in the process that records them: each line and
 * each batch once, however often a resumed batch runs, so the sum over processes is exact.
 */
export class BatchMetrics implements BatchObserver {
  private readonly lines: Record<BatchLineStatus, CounterSeries>;
  /** By final status only: a batch ends in one of FINAL_BATCH_STATUSES. */
  private readonly batches: Partial<Record<BatchStatus, CounterSeries>>;

  constructor(registry: Registry) {
    this.lines = seriesFor(
      new SeriesCounter(registry, {
        name: 'omnigate_batch_lines_total',
        help: 'Batch lines recorded by this process, by status: completed (an output line), failed (an error line), expired (an error line: its batch expired first). rate() of it is lines per second',
        labelNames: ['status'],
      }),
      LINE_STATUSES,
    );
    this.batches = seriesFor(
      new SeriesCounter(registry, {
        name: 'omnigate_batches_ended_total',
        help: 'Batches ended by this process, by final status (completed, failed, expired, cancelled)',
        labelNames: ['status'],
      }),
      FINAL_BATCH_STATUSES,
    );
  }

  lineEnded(status: BatchLineStatus): void {
    this.lines[status].inc();
  }

  batchEnded(status: BatchStatus): void {
    this.batches[status]?.inc();
  }
}
