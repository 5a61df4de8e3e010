import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { FUZZ_SEED, fuzzLimitsEnv, sample } from '../fuzz/fuzz-case';
import { overLimitSignals, signalCaseGroups } from '../fuzz/signal-cases';
import { DETECT, describeReport, FuzzRunner, inferTo } from '../fuzz/run-case';

/** Cases of each valid file that also go to /v1/infer (to text and to image). */
const INFERRED_PER_BASE = 6;

describe(`structure-aware fuzz: signals (seed ${FUZZ_SEED})`, () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '12000', JOB_ATTEMPTS: '1', ...fuzzLimitsEnv() });
  });
  afterAll(async () => gw?.close());

  const groups = signalCaseGroups();
  const total = groups.reduce((sum, g) => sum + g.cases.length, 0);

  it(`every header field × value to detect, a sample to infer (${total} cases), within the bounds`, async () => {
    const runner = new FuzzRunner(gw, 'signal');
    for (const { cases } of groups) {
      const inferred = new Set(sample(cases, INFERRED_PER_BASE, FUZZ_SEED, (c) => c.expect === 'ok'));
      await runner.runAll(cases, (c) =>
        inferred.has(c) ? [DETECT, inferTo('text'), inferTo('image')] : [DETECT],
      );
    }
    const report = runner.done();
    console.info(describeReport(report).split('\n')[0]);
    expect(report.failures, describeReport(report)).toEqual([]);
  }, 240_000);

  it('signals at and just over LIMIT_SIGNAL_VALUES, all their bytes present: 200, then 413 naming it', async () => {
    const runner = new FuzzRunner(gw, 'signal');
    await runner.runAll(overLimitSignals(), (c) =>
      c.expect === 'ok' ? [DETECT, inferTo('text')] : [DETECT, inferTo('text'), inferTo('image')],
    );
    const report = runner.done();
    console.info(describeReport(report).split('\n')[0]);
    expect(report.failures, describeReport(report)).toEqual([]);
  }, 120_000);
});
