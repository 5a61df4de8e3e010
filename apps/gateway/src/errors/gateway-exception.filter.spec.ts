import type { ArgumentsHost } from '@nestjs/common';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisUnavailableError } from '../queue/redis-connections';
import { GatewayExceptionFilter } from './gateway-exception.filter';

/** The filter with a logger whose lines land in `lines`, and a request to a URL with a secret in it. */
function filterAndHost() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ base: undefined }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const request = {
    id: 'req-1',
    method: 'POST',
    url: '/v1/infer?api_key=sk-very-secret',
    routeOptions: { url: '/v1/infer' },
  };
  const reply = {
    sent: false,
    raw: { headersSent: false },
    status: () => reply,
    header: () => reply,
    send: () => reply,
  };
  const http = { getRequest: () => request, getResponse: () => reply };
  const host = { switchToHttp: () => http } as unknown as ArgumentsHost;
  return { filter: new GatewayExceptionFilter(logger), host, lines };
}

describe('GatewayExceptionFilter', () => {
  it('logs an unexpected error with its stack and the route template, never the raw URL', () => {
    const { filter, host, lines } = filterAndHost();
    filter.catch(new Error('boom'), host);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, route: '/v1/infer', method: 'POST', msg: 'request failed' });
    expect((lines[0].err as { stack: string }).stack).toContain('boom');
    expect(JSON.stringify(lines[0])).not.toContain('sk-very-secret');
  });

  it('logs a request refused while Redis is away as one warning line, without a stack', () => {
    const { filter, host, lines } = filterAndHost();
    filter.catch(new RedisUnavailableError(new Error('connect ECONNREFUSED')), host);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, code: 'unavailable', route: '/v1/infer' });
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('does not log a 4xx', () => {
    const { filter, host, lines } = filterAndHost();
    filter.catch(Object.assign(new Error('bad'), { statusCode: 400 }), host);
    expect(lines).toHaveLength(0);
  });
});
