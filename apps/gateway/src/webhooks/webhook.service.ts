import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { BlobReader } from '@omnigate/adapters';
import { isTerminalStatus } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { presentJob } from '../jobs/job-presenter';
import type { JobStore } from '../jobs/job-ports';
import type { JobRecord } from '../jobs/job-record';
import { carrierOf, endSpan, startSpan, type TraceCarrier } from '../tracing/trace-context';
import { WebhookAddressGuard, WebhookRefusedError } from './webhook-address-guard';
import {
  deliveryId,
  type Webhook,
  type WebhookAnnouncement,
  type WebhookDelivery,
  type WebhookQueue,
} from './webhook-queue';
import { postWebhook, type WebhookPost } from './webhook-sender';
import { signWebhook } from './webhook-signature';

/** Where the announcements whose ids start with a prefix go (e.g. a batch's, kept by the batch store). */
export type WebhookLookup = (id: string) => Promise<Webhook | undefined>;

/**
 * How one try of a delivery ended: `delivered` (a 2xx), `retried` (it failed and is to be tried
 * again), `failed` (it failed on its last try: given up), `refused` (it can never be delivered,
 * e.g. an address the guard refuses or no secret left to sign with: given up at once), `dropped`
 * (what it announces is gone, expired: nothing sent).
 */
export type WebhookOutcome = 'delivered' | 'retried' | 'failed' | 'refused' | 'dropped';

/** Told how every try of a delivery this process makes ends, and how long it took (metrics). Must not throw. */
export interface WebhookObserver {
  tried(outcome: WebhookOutcome, ms: number): void;
}

/** What one try sends: where, as which event, and the body (made only once the address is checked). */
interface Announced {
  webhook: Webhook;
  event: string;
  body: () => Promise<unknown>;
  /** The trace of what ended (a job's), when tracing: the delivery's span is its child. */
  trace?: TraceCarrier;
}

/**
 * Webhooks of jobs and batches: checked when one is submitted, queued when it ends, delivered
 * (signed, retried) by the processes that run workers. Neither the secret nor the body is ever
 * logged.
 */
export class WebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly lookups = new Map<string, WebhookLookup>();

  constructor(
    private readonly config: AppConfig,
    private readonly queue: WebhookQueue,
    private readonly store: JobStore,
    private readonly blobs: BlobReader,
    private readonly logger: Logger,
    /** Told how every try ends, if given. */
    private readonly observer?: WebhookObserver,
    private readonly guard = new WebhookAddressGuard(config.webhooks.allowPrivate),
    private readonly post: (request: WebhookPost) => Promise<number> = postWebhook,
  ) {}

  /** At submit time: a webhook with no secret to sign with, or to a refused address, is 400. */
  async check(webhook: Webhook): Promise<void> {
    if (!webhook.secret && !this.config.webhooks.secret) {
      throw new GatewayError(
        'invalid_request',
        'webhook.secret is required: this gateway has no WEBHOOK_SECRET to sign deliveries with',
      );
    }
    try {
      await this.guard.resolve(webhook.url);
    } catch (err) {
      const message =
        err instanceof WebhookRefusedError ? err.message : `webhook.url: its host does not resolve`;
      throw new GatewayError('invalid_request', message, undefined, { cause: err });
    }
  }

  /** A job ended: queue its delivery if it has a webhook (once per job, whoever calls). */
  async jobEnded(record: JobRecord): Promise<void> {
    if (!record.webhook || !isTerminalStatus(record.status)) return;
    await this.queue.add({ jobId: record.id });
  }

  /** Where announcements with ids starting with `idPrefix` go: asked when one is sent, in any process. */
  register(idPrefix: string, lookup: WebhookLookup): void {
    this.lookups.set(idPrefix, lookup);
  }

  /** Something else ended (a batch): queue the delivery of what it announces, once per id. */
  async announce(announcement: WebhookAnnouncement): Promise<void> {
    await this.queue.add(announcement);
  }

  /** One try: throws to be tried again, WebhookRefusedError when trying again cannot help. */
  readonly deliver = async (
    delivery: WebhookDelivery,
    attempt: { number: number; max: number },
  ): Promise<void> => {
    const started = performance.now();
    let outcome: WebhookOutcome = 'retried';
    try {
      outcome = await this.send(delivery, attempt);
    } catch (err) {
      if (err instanceof WebhookRefusedError) outcome = 'refused';
      else if (attempt.number >= attempt.max) outcome = 'failed';
      throw err;
    } finally {
      this.observer?.tried(outcome, performance.now() - started);
    }
  };

  /** The try itself: `dropped` when what it announces is gone, else delivered or thrown. */
  private async send(
    delivery: WebhookDelivery,
    attempt: { number: number; max: number },
  ): Promise<'delivered' | 'dropped'> {
    const id = deliveryId(delivery);
    const log = this.logger.child({
      ...('jobId' in delivery ? { jobId: id } : { deliveryId: id }),
      attempt: attempt.number,
    });
    const announced =
      'jobId' in delivery ? await this.jobEnd(delivery.jobId) : await this.announced(delivery);
    if (!announced) {
      log.warn('what the webhook announces is gone (expired); dropping the delivery');
      return 'dropped';
    }
    const secret = announced.webhook.secret ?? this.config.webhooks.secret;
    if (!secret) throw new WebhookRefusedError('no webhook secret (WEBHOOK_SECRET was removed)');
    const url = announced.webhook.url;
    const host = new URL(url).host;
    const span = startSpan(
      `webhook ${announced.event}`,
      announced.trace,
      { 'server.address': host, 'omnigate.webhook.attempt': attempt.number },
      SpanKind.CLIENT,
    );
    try {
      // Checked again: what the host resolves to may have changed since the webhook was given.
      const addresses = await this.guard.resolve(url);
      const body = JSON.stringify(await announced.body());
      const timestamp = Math.floor(Date.now() / 1000);
      const status = await this.post({
        url,
        body,
        addresses,
        timeoutMs: this.config.webhooks.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'omnigate-webhook',
          'x-omnigate-event': announced.event,
          // The same on every try, so a receiver can drop a repeat.
          'x-omnigate-delivery': id,
          'x-omnigate-attempt': String(attempt.number),
          'x-omnigate-timestamp': String(timestamp),
          'x-omnigate-signature': signWebhook(secret, timestamp, body),
          ...(span ? carrierOf(span) : {}),
        },
      });
      span?.setAttribute('http.response.status_code', status);
      if (status < 200 || status >= 300) throw new Error(`the receiver answered ${status}`);
      log.info({ host, status }, 'webhook delivered');
      span?.end();
      return 'delivered';
    } catch (err) {
      const last = err instanceof WebhookRefusedError || attempt.number >= attempt.max;
      log.warn({ host, err: { message: (err as Error).message }, last }, 'webhook delivery failed');
      if (span) endSpan(span, err, { 'omnigate.webhook.last_attempt': last });
      throw err;
    }
  }

  /** A job's end as its record shows it now; undefined once the record expired. */
  private async jobEnd(jobId: string): Promise<Announced | undefined> {
    const record = await this.store.get(jobId);
    if (!record?.webhook) return undefined;
    if (!isTerminalStatus(record.status)) throw new Error(`job ${jobId} has not ended yet`);
    return {
      webhook: record.webhook,
      event: `job.${record.status}`,
      body: () => presentJob(record, this.blobs),
      ...(record.trace ? { trace: record.trace } : {}),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role !== 'api') await this.queue.work(this.deliver);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  /** An announcement and where it goes now; undefined once that is gone. */
  private async announced({ id, event, body }: WebhookAnnouncement): Promise<Announced | undefined> {
    const lookup = [...this.lookups].find(([prefix]) => id.startsWith(prefix))?.[1];
    if (!lookup) throw new WebhookRefusedError(`no webhook source for delivery ${id}`);
    const webhook = await lookup(id);
    return webhook && { webhook, event, body: async () => body };
  }
}
