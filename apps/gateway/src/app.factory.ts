import 'reflect-metadata';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { apiKeyAuthHook } from './auth/api-key-auth';
import { ApiKeyring } from './auth/api-keys';
import type { AppConfig } from './config/app-config';
import { fastifyTrustProxy } from './config/trust-proxy';
import { GatewayError } from './errors/gateway-error';
import { GatewayExceptionFilter } from './errors/gateway-exception.filter';
import { clientErrorHandler, frameworkErrorHandler, MAX_PARAM_LENGTH } from './errors/protocol-errors';
import { PinoNestLogger } from './logging/logger';
import { buildOpenApiDocument, describeModalities } from './openapi/openapi-document';
import { ModalityRegistry } from './routing/modality-registry';
import { MAX_FORM_PARTS } from './multipart/form-parts';
import { JOB_BACKEND, type JobBackend } from './queue/job-backend';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { installHttpTracing } from './tracing/http-spans';
import { requestId } from './logging/request-id';
import { installRequestLog, RequestLog } from './logging/request-log';
import { installConsole } from './console/console-static';

export const VERSION = '0.1.0';
const BLOB_UPLOAD_ROUTE = '/v1/blobs';

/** Builds the gateway (not yet listening): Fastify, body parsers, error shape, docs, then Nest. */
export async function createGateway(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const { headersTimeoutMs, requestTimeoutMs } = config.http;
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request, at the end of its answer, instead of Fastify's two (request-log.ts).
    logController: new RequestLog(),
    genReqId: requestId,
    bodyLimit: config.http.maxBodyBytes,
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors answered before any route runs, in the gateway's error shape.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(config.http, logger),
    // A client that trickles its headers or body (slowloris) loses its connection with a 408.
    // Node checks the limits every connectionsCheckingInterval (30 s by default).
    requestTimeout: requestTimeoutMs,
    http: {
      // Node answers a missing Host with an empty 400; requireHost below says why, in JSON.
      requireHostHeader: false,
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5_000, headersTimeoutMs),
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    // Our own parsers below: JSON except on /v1/blobs, and a stream for everything else.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const modalities = app.get(ModalityRegistry);
  const openApi = buildOpenApiDocument(VERSION, modalities.list());
  modalities.onChange((list) => describeModalities(openApi, list));
  installBodyParsers(fastify, config);
  // First: a request refused by a later hook (no Host, a bad key) has its span too.
  if (config.tracing) installHttpTracing(fastify);
  // No answer is ever sniffed into another type than it says (a JSON error into HTML...).
  // Every answer names its request (the id of its log lines): x-request-id.
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-request-id', request.id);
  });
  fastify.addHook('onRequest', requireHost);
  installRequestLog(fastify);
  if (config.metrics) app.get(GatewayMetrics).installHttpHook(fastify);
  installApiKeys(app, fastify, config, logger);
  await app.register(multipart, {
    // Every part is a stream, fields included, so busboy never buffers a field: formParts reads
    // each one within the request's budget and refuses it as soon as it is over. The blob store
    // bounds each file (BLOB_MAX_BYTES...); the plugin's default would be MAX_BODY_BYTES.
    isPartAFile: () => true,
    limits: { files: MAX_FORM_PARTS, parts: MAX_FORM_PARTS, fileSize: Infinity },
  });
  await app.register(swagger, {
    mode: 'static',
    specification: { document: openApi as never },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (config.console.enabled && config.role !== 'worker')
    await installConsole(app, config.console.dir, logger);
  app.useGlobalFilters(new GatewayExceptionFilter());
  await app.init();
  return app;
}

/** Bearer keys on every route but /health and /docs, checked before any body is read; or none, with a warning. */
function installApiKeys(
  app: NestFastifyApplication,
  fastify: FastifyInstance,
  config: AppConfig,
  logger: Logger,
): void {
  const { apiKeys } = config.auth;
  if (apiKeys.length === 0) {
    if (config.role !== 'worker') {
      logger.warn(
        'API_KEYS is not set: the API is open to anyone who can reach it. Set API_KEYS in production.',
      );
    }
    return;
  }
  fastify.decorateRequest('apiKeyName', undefined);
  fastify.decorateRequest('apiKeyScopes', undefined);
  fastify.addHook(
    'onRequest',
    apiKeyAuthHook({
      keyring: new ApiKeyring(apiKeys),
      // Nest built the job backend in NestFactory.create; its Redis connection holds the windows.
      counter: app.get<JobBackend>(JOB_BACKEND).counter,
    }),
  );
  logger.info({ keys: apiKeys.map((k) => k.name) }, 'API keys required (all but /health and /docs)');
}

/** HTTP/1.1 requires a Host header (RFC 9112, 3.2); it names the gateway in the URLs it builds. */
async function requireHost(request: FastifyRequest): Promise<void> {
  if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
    throw new GatewayError('invalid_request', 'an HTTP/1.1 request needs a Host header');
  }
}

/**
 * JSON bodies are parsed as usual, except on `/v1/blobs`, which stores every body byte for byte;
 * any other media type reaches the handler as a stream (blob uploads are streamed, never buffered).
 */
function installBodyParsers(fastify: FastifyInstance, config: AppConfig): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'ignore');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: config.http.maxBodyBytes },
    (request, body: Buffer, done) => {
      // From the route matched, not the raw URL (`POST http://host/v1/blobs` is the same route).
      if (request.routeOptions.url === BLOB_UPLOAD_ROUTE) return done(null, body);
      parseJson(request, body.toString('utf8'), done);
    },
  );
  fastify.addContentTypeParser('*', { bodyLimit: config.blobs.maxBytes }, (_request, payload, done) =>
    done(null, payload),
  );
}
