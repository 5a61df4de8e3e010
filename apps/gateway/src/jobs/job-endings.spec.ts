import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JobEndings } from './job-endings';
import type { JobRecord } from './job-record';

const record = (id: string) => ({ id, status: 'completed' }) as JobRecord;

describe('JobEndings', () => {
  it('tells every listener of every end, and a failing listener fails nothing', async () => {
    const endings = new JobEndings(pino({ level: 'silent' }));
    const heard: string[] = [];
    endings.onEnded(async () => {
      throw new Error('webhook queue down');
    });
    const stop = endings.onEnded(async (r) => void heard.push(r.id));
    await endings.ended(record('a'));
    stop();
    await endings.ended(record('b'));
    expect(heard).toEqual(['a']);
  });

  it('hands the record of one job to the one waiting for it, once', async () => {
    const endings = new JobEndings(pino({ level: 'silent' }));
    const wait = endings.whenEnded('a');
    const other = endings.whenEnded('b');
    await endings.ended(record('a'));
    await expect(wait.result).resolves.toMatchObject({ id: 'a' });
    other.cancel();
    await endings.ended(record('b'));
    const settled = await Promise.race([other.result.then(() => 'settled'), Promise.resolve('pending')]);
    expect(settled).toBe('pending');
  });

  it('logs one line per end: route, hops, time, the code of a failure, never the error message', async () => {
    const lines: Record<string, unknown>[] = [];
    const endings = new JobEndings(
      pino({ base: undefined }, { write: (l: string) => void lines.push(JSON.parse(l)) }),
    );
    const base = {
      createdAt: new Date(Date.now() - 50).toISOString(),
      route: [{ adapter: 'builtin.speech' }, { adapter: 'builtin.ocr' }],
      timings: {},
    };
    await endings.ended(
      { ...base, id: 'a', status: 'completed', timings: { totalMs: 42 } } as unknown as JobRecord,
      {
        dispatch: 'queued',
        lane: 'batch',
      },
    );
    await endings.ended({
      ...base,
      id: 'b',
      status: 'failed',
      error: { code: 'adapter_failed', message: 'upstream said: the prompt was "secret"' },
      fallbacks: [{ adapter: 'primary.chat' }],
    } as unknown as JobRecord);
    await endings.ended({
      ...base,
      id: 'c',
      status: 'failed',
      error: { code: 'unprocessable_input', message: 'no' },
    } as unknown as JobRecord);
    expect(lines).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        msg: 'job ended',
        jobId: 'a',
        status: 'completed',
        route: ['builtin.speech', 'builtin.ocr'],
        hops: 2,
        ms: 42,
        dispatch: 'queued',
        lane: 'batch',
      },
      expect.objectContaining({
        level: 50,
        jobId: 'b',
        code: 'adapter_failed',
        fellBackFrom: ['primary.chat'],
      }),
      expect.objectContaining({ level: 30, jobId: 'c', status: 'failed', code: 'unprocessable_input' }),
    ]);
    // Without a total (as a cancelled job's record), the time since the job's creation.
    expect(lines[1]!.ms).toBeGreaterThanOrEqual(50);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });
});
