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
});
