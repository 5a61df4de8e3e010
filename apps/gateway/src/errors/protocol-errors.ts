import { STATUS_CODES, maxHeaderSize, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { replyWithError } from './error-reply';
import { GatewayError } from './gateway-error';

/** The router's longest path parameter (Fastify's default); ids here are at most 64 characters. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a path that
 * is not valid percent-encoding, a parameter over MAX_PARAM_LENGTH), answered like every other
 * error instead of in Fastify's own body. The messages never quote the path, which may be long.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  replyWithError(request, reply, routerRefusal(error));
}

function routerRefusal(error: FastifyError): unknown {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new GatewayError(
        'invalid_request',
        'the path is not valid percent-encoding (a % takes two hex digits, and the bytes must be UTF-8)',
        undefined,
        { cause: error },
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GatewayError(
        'invalid_request',
        `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
        { maxLength: MAX_PARAM_LENGTH },
        { cause: error },
      );
    default:
      return error;
  }
}

/** The time limits of HTTP_HEADERS_TIMEOUT_MS and HTTP_REQUEST_TIMEOUT_MS, for the 408 message. */
export interface RequestTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * The server's `clientError` handler: Node's parser refused the bytes (a malformed request line,
 * headers over its limit) or a time limit passed, before any request object exists. Answered
 * on the socket in the native error shape (the route, and so OpenAI's shape, is unknown), then
 * the connection is closed, as Node's own handler does.
 */
export function clientErrorHandler(timeouts: RequestTimeouts, logger: Logger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A request whose headers arrived has a response attached; one still in its headers has none.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    const error = clientError(err, timeouts, inFlight !== undefined);
    logger.debug({ err, code: error.code }, 'client error');
    // A response already on its way (headers sent) cannot be followed by another one.
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify(error.toBody());
      socket.write(
        [
          `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}`,
          'Content-Type: application/json; charset=utf-8',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'X-Content-Type-Options: nosniff',
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );
    }
    socket.destroySoon();
  };
}

function clientError(
  err: NodeJS.ErrnoException,
  timeouts: RequestTimeouts,
  headersArrived: boolean,
): GatewayError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT': {
      const [limit, max, what] = headersArrived
        ? ['HTTP_REQUEST_TIMEOUT_MS', timeouts.requestTimeoutMs, 'the request']
        : ['HTTP_HEADERS_TIMEOUT_MS', timeouts.headersTimeoutMs, 'the request line and headers'];
      return new GatewayError(
        'request_timeout',
        `${what} did not arrive within ${limit}=${max} ms`,
        { limit, max },
        { cause: err },
      );
    }
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError(
        'headers_too_large',
        `the request line and headers are over ${maxHeaderSize} bytes`,
        { maxBytes: maxHeaderSize },
        { cause: err },
      );
    default:
      return new GatewayError(
        'invalid_request',
        `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`,
        { parserError: err.code ?? null },
        { cause: err },
      );
  }
}
