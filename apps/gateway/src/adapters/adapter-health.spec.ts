import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LocalClusterBus } from '../queue/cluster-bus';
import { AdapterHealth } from './adapter-health';

const logger = pino({ level: 'silent' });

function setup() {
  const clock = { now: 1_000_000 };
  const bus = new LocalClusterBus();
  const make = () => {
    const health = new AdapterHealth({ failures: 3, cooldownMs: 10_000 }, bus, logger, () => clock.now);
    health.start();
    return health;
  };
  return { clock, worker: make(), api: make() };
}

describe('AdapterHealth (circuit breaker per adapter)', () => {
  it('opens after the configured run of failures, on every process', () => {
    const { worker, api } = setup();
    worker.failure('x');
    worker.failure('x');
    expect(api.isOpen('x')).toBe(false);
    worker.failure('x');
    expect(worker.isOpen('x')).toBe(true);
    expect(api.isOpen('x')).toBe(true);
    expect(api.openAdapters()).toEqual(['x']);
    expect(api.view('x')).toMatchObject({ state: 'open' });
  });

  it('a success in between resets the count', () => {
    const { worker } = setup();
    worker.failure('x');
    worker.failure('x');
    worker.success('x');
    worker.failure('x');
    worker.failure('x');
    expect(worker.isOpen('x')).toBe(false);
  });

  it('is half-open after the cooldown: one failure re-opens it, one success closes it', () => {
    const { clock, worker, api } = setup();
    for (let i = 0; i < 3; i++) worker.failure('x');
    clock.now += 10_000;
    expect(api.view('x').state).toBe('half-open');
    expect(api.isOpen('x')).toBe(false);
    // The trial job may run on a process that never counted a failure.
    api.failure('x');
    expect(worker.isOpen('x')).toBe(true);
    expect(api.retryAfterMs(['x'])).toBe(10_000);
    clock.now += 10_000;
    worker.success('x');
    expect(api.view('x')).toEqual({ state: 'closed', failures: 0 });
  });

  it('keeps adapters apart', () => {
    const { worker } = setup();
    for (let i = 0; i < 3; i++) worker.failure('x');
    expect(worker.isOpen('y')).toBe(false);
    expect(worker.view('y')).toEqual({ state: 'closed', failures: 0 });
  });
});
