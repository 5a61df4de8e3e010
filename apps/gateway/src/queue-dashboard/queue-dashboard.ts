import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { ControllerHandlerReturnType, HTTPStatus } from '@bull-board/api/typings/app';
import { FastifyAdapter } from '@bull-board/fastify';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import { QUEUE_DASHBOARD_PATH } from '../auth/route-access';
import { replyWithError } from '../errors/error-reply';
import { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';
import { WORK_LANES } from '../jobs/work-lanes';
import type { BullMqHopQueue } from '../queue/bullmq-hop-queue';

export type QueueDashboardMode = 'read-only' | 'read-write';

/**
 * Bull Board at QUEUE_DASHBOARD_PATH: every registered adapter's hop queue in each lane (the very
 * queues the gateway adds hops to), kept current as adapters are registered and removed. The
 * gateway's hooks (the key check included) run before the board's routes, as before any other.
 */
export class QueueDashboard implements OnModuleInit, OnApplicationShutdown {
  private unwatch?: () => void;

  constructor(
    private readonly fastify: FastifyInstance,
    private readonly hops: BullMqHopQueue,
    private readonly registry: AdapterRegistry,
    private readonly mode: QueueDashboardMode,
    private readonly logger: Logger,
  ) {}

  /** After the gateway's hooks and parsers are in place, before Fastify is ready. */
  onModuleInit(): void {
    const server = new DashboardServer();
    server.setBasePath(QUEUE_DASHBOARD_PATH);
    const board = createBullBoard({
      queues: this.queues(),
      serverAdapter: server,
      options: { uiConfig: { boardTitle: 'omnigate queues' } },
    });
    this.unwatch = this.registry.onChange(() => board.replaceQueues(this.queues()));
    const readOnly = this.mode === 'read-only';
    // Not awaited: Fastify loads the plugin when it gets ready, after Nest has set its error and
    // not-found handlers. Awaiting it here would load Nest's routes too, with Fastify's defaults.
    void this.fastify.register(async (scope) => {
      if (readOnly) scope.addHook('onRequest', refuseChanges);
      // Before the board's error handler answers: the request's log line says it, as for the
      // gateway's own routes' errors.
      scope.addHook('onError', async (request, _reply, error) => {
        request.failure = toGatewayError(error);
      });
      await scope.register(server.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
    this.logger.info({ path: QUEUE_DASHBOARD_PATH, mode: this.mode }, 'queue dashboard mounted');
  }

  onApplicationShutdown(): void {
    // The queues are the hop queue's: they close with it.
    this.unwatch?.();
  }

  private queues(): BullMQAdapter[] {
    return this.registry.list().flatMap(({ descriptor: { id } }) =>
      WORK_LANES.map(
        (lane) =>
          new BullMQAdapter(this.hops.queueOf(id, lane), {
            readOnlyMode: this.mode === 'read-only',
            description: `${lane} hops of ${id}`,
          }),
      ),
    );
  }
}

/**
 * Read-only means GET and HEAD only, whatever routes Bull Board has or adds. Its own
 * `readOnlyMode` hides the buttons and its handlers check it one by one (a 405; a 200 that does
 * nothing for "pause all"): this does not depend on every one of them doing so.
 */
async function refuseChanges(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  replyWithError(
    request,
    reply,
    new GatewayError('forbidden', 'the queue dashboard is read-only (QUEUE_DASHBOARD=read-only)', {
      setting: 'QUEUE_DASHBOARD',
    }),
  );
  return reply;
}

/**
 * Bull Board's Fastify server, whose errors keep the status the gateway gives them (400 for a
 * request without Host, 503 while Redis is away) instead of all being 500. What the gateway
 * refused is in the gateway's error shape; the board's own failures stay in the shape its page
 * reads.
 */
class DashboardServer extends FastifyAdapter {
  override setErrorHandler(handler: (error: Error) => ControllerHandlerReturnType): this {
    return super.setErrorHandler((error) => {
      const known = toGatewayError(error);
      // The board's types list the statuses its own handlers answer; Fastify sends any.
      const status = known.status as HTTPStatus;
      return error instanceof GatewayError ? { status, body: known.toBody() } : { ...handler(error), status };
    });
  }
}
