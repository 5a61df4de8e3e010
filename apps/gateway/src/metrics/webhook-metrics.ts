import type { Registry } from 'prom-client';
import type { WebhookObserver, WebhookOutcome } from '../webhooks/webhook.service';
import { SeriesCounter, SeriesHistogram, seriesFor, type CounterSeries } from './series';

const OUTCOMES: readonly WebhookOutcome[] = ['delivered', 'retried', 'failed', 'refused', 'dropped'];
/** Seconds: from a receiver on the same host to WEBHOOK_TIMEOUT_MS's largest value (120 s). */
const DELIVERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Webhook delivery tries, by how they ended, and how long they took. */
export class WebhookMetrics implements WebhookObserver {
  private readonly tries: Record<WebhookOutcome, CounterSeries>;
  private readonly durations: SeriesHistogram;

  constructor(registry: Registry) {
    this.tries = seriesFor(
      new SeriesCounter(registry, {
        name: 'omnigate_webhook_deliveries_total',
        help: 'Webhook delivery tries made by this process, by outcome: delivered (2xx), retried (failed, to be tried again), failed (failed on its last try: given up), refused (undeliverable, e.g. a refused address: given up at once), dropped (what it announces expired: nothing sent)',
        labelNames: ['outcome'],
      }),
      OUTCOMES,
    );
    // Unlike the counts, no series until a try is made (a process that never delivers, ROLE=api,
    // would show some 85 lines of empty buckets).
    this.durations = new SeriesHistogram(registry, {
      name: 'omnigate_webhook_delivery_duration_seconds',
      help: 'Time of one webhook delivery try (reading what it announces, the address check, the POST), by outcome',
      labelNames: ['outcome'],
      buckets: DELIVERY_BUCKETS,
    });
  }

  tried(outcome: WebhookOutcome, ms: number): void {
    this.tries[outcome].inc();
    this.durations.at(outcome).observe(ms / 1000);
  }
}
