import { describe, expect, it } from 'vitest';
import { CreateBatchSchema, completionWindowSeconds } from './batch-object';

describe('completionWindowSeconds', () => {
  it("reads OpenAI's 24h and the extension's whole s, m or h from 1s to 168h", () => {
    expect(completionWindowSeconds('24h')).toBe(86_400);
    expect(completionWindowSeconds('1s')).toBe(1);
    expect(completionWindowSeconds('01s')).toBe(1);
    expect(completionWindowSeconds('90m')).toBe(5_400);
    expect(completionWindowSeconds('168h')).toBe(604_800);
    expect(completionWindowSeconds('10080m')).toBe(604_800);
    expect(completionWindowSeconds('604800s')).toBe(604_800);
  });

  it('refuses zero, more than a week, other units and anything that is not a whole number', () => {
    for (const window of [
      '0s',
      '0h',
      '169h',
      '10081m',
      '604801s',
      '1d',
      '1w',
      '24',
      'h',
      '1.5h',
      '-1h',
      ' 24h',
      '24H',
      '9999999999h',
      '',
    ]) {
      expect(completionWindowSeconds(window), window).toBeUndefined();
    }
  });

  it('is what CreateBatchSchema accepts', () => {
    const body = { input_file_id: 'file-x', endpoint: '/v1/embeddings' };
    expect(CreateBatchSchema.safeParse({ ...body, completion_window: '2s' }).success).toBe(true);
    const refused = CreateBatchSchema.safeParse({ ...body, completion_window: '169h' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['completion_window'] });
    expect(refused.error?.issues[0]?.message).toContain('168h');
  });
});
