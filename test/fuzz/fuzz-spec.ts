/*
 * The body every fuzz spec shares: a gateway in this process with FUZZ_LIMITS, every case of a
 * family to /v1/detect, a deterministic sample of each group to /v1/infer (to text and to one
 * other modality), one assertion listing every failure, and an `it.fails` replay of the
 * family's known findings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { FUZZ_SEED, fuzzLimitsEnv, sample, type FuzzCase } from './fuzz-case';
import { knownFindingCases } from './known-findings';
import { DETECT, describeReport, FuzzRunner, inferTo, type FuzzTarget } from './run-case';

/** Cases derived from one valid input. */
export interface FuzzGroup {
  base: string;
  cases: FuzzCase[];
}

export interface FuzzFamily {
  /** `pointcloud`, `signal` ...: the spec's title and the prefix of its failures. */
  family: string;
  groups: () => FuzzGroup[];
  /** The modality besides text that sampled cases are inferred to. */
  otherOutput: string;
  /** How many cases of each group go to /v1/infer besides the valid ones. */
  inferredPerGroup: number;
  /** Cases that each go to detect and to both infers (the inputs really over a limit). */
  limitCases?: { title: string; cases: () => FuzzCase[] };
  /** Per test; the default fits the family's cases with room for a loaded CI machine. */
  timeoutMs?: number;
}

export function describeFuzzFamily(spec: FuzzFamily): void {
  describe(`structure-aware fuzz: ${spec.family} (seed ${FUZZ_SEED})`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({ SYNC_TIMEOUT_MS: '12000', JOB_ATTEMPTS: '1', ...fuzzLimitsEnv() });
    });
    afterAll(async () => gw?.close());

    const groups = spec.groups();
    const limitCases = spec.limitCases?.cases() ?? [];
    const all = [...groups.flatMap((g) => g.cases), ...limitCases];
    const everywhere = [DETECT, inferTo('text'), inferTo(spec.otherOutput)];
    const timeout = spec.timeoutMs ?? 150_000;

    /** Runs `cases`, then asserts that nothing but known findings failed. */
    const check = async (runner: FuzzRunner, run: () => Promise<void>) => {
      await run();
      const report = runner.done();
      console.info(describeReport(report).split('\n')[0]);
      expect(report.failures, describeReport(report)).toEqual([]);
    };

    it(
      `every case to detect, a sample of each input to infer (${all.length - limitCases.length} cases)`,
      async () => {
        const runner = new FuzzRunner(gw, spec.family);
        await check(runner, async () => {
          for (const { cases } of groups) {
            const inferred = new Set(
              sample(
                cases,
                spec.inferredPerGroup,
                FUZZ_SEED,
                (c) => c.expect === 'ok' && /valid/.test(c.name),
              ),
            );
            await runner.runAll(cases, (c): FuzzTarget[] => (inferred.has(c) ? everywhere : [DETECT]));
          }
        });
      },
      timeout,
    );

    if (spec.limitCases) {
      it(
        spec.limitCases.title,
        async () => {
          const runner = new FuzzRunner(gw, spec.family);
          await check(runner, () => runner.runAll(limitCases, () => everywhere));
        },
        timeout,
      );
    }

    const known = knownFindingCases(all);
    if (known.length > 0) {
      it.fails(
        `known findings still reproduce (docs/security.md): ${known.map((c) => c.name).join('; ')}`,
        async () => {
          const runner = new FuzzRunner(gw, spec.family, true);
          await check(runner, () => runner.runAll(known, () => everywhere));
        },
        timeout,
      );
    }
  });
}
