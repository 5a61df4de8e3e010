import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { BATCH_CREATED } from '../jobs/bus-topics';
import { LocalClusterBus } from '../queue/cluster-bus';
import type { WebhookService } from '../webhooks/webhook.service';
import type { BatchLineRunner } from './batch-line';
import { BatchRunner } from './batch-runner';
import { MemoryBatchStore } from './batch-store';
import type { FileCatalog } from './file-catalog';

/** A store whose batches are always someone else's: it records who asked to run which. */
class ClaimedElsewhere extends MemoryBatchStore {
  readonly claims: string[] = [];
  override async claim(id = ''): Promise<boolean> {
    this.claims.push(id);
    return false;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('BatchRunner: where batches run (WORKER_LANES)', () => {
  const runners: BatchRunner[] = [];
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.beforeApplicationShutdown()));
  });

  function runner(env: Record<string, string>) {
    const store = new ClaimedElsewhere();
    const bus = new LocalClusterBus();
    const published: string[] = [];
    bus.subscribe(BATCH_CREATED, (message) => published.push(message.batchId));
    const made = new BatchRunner(
      loadConfig(env),
      store,
      {} as FileCatalog,
      {} as BatchLineRunner,
      bus,
      { register: () => {} } as unknown as WebhookService,
      pino({ level: 'silent' }),
    );
    runners.push(made);
    return { runner: made, store, bus, published };
  }

  it('runs a batch created here when the process works the batch lane (the default)', async () => {
    const { runner: made, store, published } = runner({ ROLE: 'api' });
    made.onApplicationBootstrap();
    await made.created('batch_a');
    expect(store.claims).toContain('batch_a');
    expect(published).toEqual([]);
  });

  it('leaves a batch created here to the processes of the batch lane, and tells them', async () => {
    const { runner: made, store, bus, published } = runner({ ROLE: 'api', WORKER_LANES: 'interactive' });
    made.onApplicationBootstrap();
    await made.created('batch_b');
    expect(published).toEqual(['batch_b']);
    // It does not take batches itself, told of one or not.
    await bus.publish(BATCH_CREATED, { batchId: 'batch_c' });
    await tick();
    expect(store.claims).toEqual([]);
  });

  it('claims a batch it is told of, in a worker of the batch lane', async () => {
    const { runner: made, store, bus } = runner({ ROLE: 'worker', WORKER_LANES: 'batch' });
    made.onApplicationBootstrap();
    await bus.publish(BATCH_CREATED, { batchId: 'batch_d' });
    await tick();
    expect(store.claims).toEqual(['batch_d']);
  });

  it('runs no batches in a worker outside the batch lane', async () => {
    const { runner: made, store, bus } = runner({ ROLE: 'worker', WORKER_LANES: 'interactive' });
    made.onApplicationBootstrap();
    await bus.publish(BATCH_CREATED, { batchId: 'batch_e' });
    await tick();
    expect(store.claims).toEqual([]);
  });
});
