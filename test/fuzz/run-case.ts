/*
 * Runs fuzz cases against a gateway started in this process (test/gateway-harness.ts) and checks
 * each answer: never a 5xx, a 4xx only in the gateway's error shape and with the expected code,
 * an answer within ANSWER_WITHIN_MS, the event loop of this process (which is the gateway's HTTP
 * process: only adapters run in sandbox children) never blocked longer than LOOP_DELAY_BOUND_MS,
 * and the resident memory never more than RSS_GROWTH_BOUND over where it started.
 *
 * In-process rather than spawnGatewayProcess: detection and probing, where header numbers are
 * first trusted, run on the HTTP process's event loop, and monitorEventLoopDelay measures that
 * loop itself (every stall, not only the ones a concurrent poll happens to land on), with no build
 * step and no second process to keep in step.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { TestGateway } from '../gateway-harness';
import type { FuzzCase, FuzzExpectation } from './fuzz-case';
import { knownFinding, type KnownFinding } from './known-findings';

/** Per request: the issue's freezes lasted 45 s; a 2-core CI machine running the other specs needs slack. */
export const ANSWER_WITHIN_MS = 15_000;
/** Longest event-loop stall one case may cause. */
export const LOOP_DELAY_BOUND_MS = 1_000;
/** Resident memory growth over a whole spec. */
export const RSS_GROWTH_BOUND = 512 * 2 ** 20;

/** Where a case is sent: /v1/detect, or /v1/infer to an output modality. */
export interface FuzzTarget {
  path: '/v1/detect' | '/v1/infer';
  output?: string;
}

export const DETECT: FuzzTarget = { path: '/v1/detect' };
export const inferTo = (output: string): FuzzTarget => ({ path: '/v1/infer', output });

const targetName = (t: FuzzTarget) => (t.output ? `infer→${t.output}` : 'detect');

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> };
}

/** What a run of cases found: failures not yet known, and known findings that still fail. */
export interface FuzzReport {
  cases: number;
  requests: number;
  failures: string[];
  known: string[];
  /** Longest event-loop stall seen, ms, and the case that caused it. */
  worstLoopDelay: { ms: number; name: string };
  rssGrowthBytes: number;
  /** How many answers had each status, so that a run that only ever got 415 shows it. */
  statuses: Record<number, number>;
}

/** Sends cases to a gateway in this process and measures it while it answers. */
export class FuzzRunner {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly rssAtStart = process.memoryUsage().rss;
  private readonly report: FuzzReport = {
    cases: 0,
    requests: 0,
    failures: [],
    known: [],
    worstLoopDelay: { ms: 0, name: '' },
    rssGrowthBytes: 0,
    statuses: {},
  };

  /**
   * `strict`: a case of a known finding that fails is a failure too (the `it.fails` replays);
   * otherwise it is listed in `known` only.
   */
  constructor(
    private readonly gw: TestGateway,
    private readonly family: string,
    private readonly strict = false,
  ) {
    this.loop.enable();
  }

  /** Sends `c` to each target in turn and records what went wrong. */
  async run(c: FuzzCase, targets: readonly FuzzTarget[]): Promise<void> {
    this.report.cases++;
    for (const target of targets) {
      this.report.requests++;
      this.loop.reset();
      const problem = await this.send(c, target);
      const delayMs = this.loop.max / 1e6;
      const problems = problem ? [problem] : [];
      if (delayMs > this.report.worstLoopDelay.ms) this.report.worstLoopDelay = { ms: delayMs, name: c.name };
      if (delayMs > LOOP_DELAY_BOUND_MS)
        problems.push(`blocked the event loop for ${Math.round(delayMs)} ms`);
      const rssGrowth = process.memoryUsage().rss - this.rssAtStart;
      this.report.rssGrowthBytes = Math.max(this.report.rssGrowthBytes, rssGrowth);
      if (rssGrowth > RSS_GROWTH_BOUND) problems.push(`RSS grew by ${Math.round(rssGrowth / 2 ** 20)} MiB`);
      for (const what of problems) this.record(c, target, what);
    }
  }

  /** Runs every case against `targets(c)`, then checks that the gateway is still ready. */
  async runAll(cases: readonly FuzzCase[], targets: (c: FuzzCase) => readonly FuzzTarget[]): Promise<void> {
    for (const c of cases) await this.run(c, targets(c));
    await this.checkReady(`after ${cases.length} ${this.family} cases`);
  }

  /** GET /health/ready must answer 200 within the bound. */
  async checkReady(when: string): Promise<void> {
    const answer = await fetch(`${this.gw.url}/health/ready`, {
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    }).then(
      (r) => r.status,
      (err: unknown) => String(err),
    );
    if (answer !== 200) this.report.failures.push(`${this.family}: /health/ready ${when}: ${answer}`);
  }

  done(): FuzzReport {
    this.loop.disable();
    return this.report;
  }

  private record(c: FuzzCase, target: FuzzTarget, what: string): void {
    const line = `${this.family} | ${c.name} | ${targetName(target)}: ${what}`;
    const finding: KnownFinding | undefined = knownFinding(c.name, targetName(target), what);
    if (finding && !this.strict) this.report.known.push(`${line} [known: ${finding.id}]`);
    else this.report.failures.push(line);
  }

  /** One request; a description of what is wrong with its answer, or undefined. */
  private async send(c: FuzzCase, target: FuzzTarget): Promise<string | undefined> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(c.bytes)], { type: c.mediaType ?? 'application/octet-stream' }),
      c.filename ?? 'input',
    );
    if (c.modality) form.append('modality', c.modality);
    if (target.output) form.append('output', target.output);
    const started = performance.now();
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${this.gw.url}${target.path}`, {
        method: 'POST',
        body: form,
        signal: AbortSignal.timeout(ANSWER_WITHIN_MS + 5_000),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      return `no answer: ${String(err)}`;
    }
    const ms = performance.now() - started;
    this.report.statuses[status] = (this.report.statuses[status] ?? 0) + 1;
    // FUZZ_LOG=<file>: every answer, one a line, to review what the gateway made of each case.
    if (process.env.FUZZ_LOG) {
      const line = `${this.family} | ${c.name} | ${targetName(target)} | ${Math.round(ms)} ms | ${status} ${text.slice(0, 400)}`;
      appendFileSync(process.env.FUZZ_LOG, `${line.replaceAll('\n', ' ')}\n`);
    }
    const shown = `${status} ${text.slice(0, 300)}`;
    if (ms > ANSWER_WITHIN_MS) return `answered after ${Math.round(ms)} ms: ${shown}`;
    if (status >= 500) return `server error ${shown}`;
    if (status === 202) return `not answered within the sync wait: ${shown}`;
    let body: ErrorBody | undefined;
    if (status >= 400) {
      try {
        body = JSON.parse(text) as ErrorBody;
      } catch {
        return `a ${status} that is not JSON: ${shown}`;
      }
      if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
        return `a ${status} not in the error shape: ${shown}`;
      }
      // A caller told "too large" must be told which bound says so: the setting (`details.limit`)
      // or an adapter's own fixed bound (`details.max`, e.g. the 64 KiB the renderer takes).
      const details = body.error.details;
      if (status === 413 && typeof details?.limit !== 'string' && typeof details?.max !== 'number') {
        return `a 413 naming no bound (details.limit or details.max): ${shown}`;
      }
    }
    const expected = (target.path === '/v1/infer' && c.inferExpect) || c.expect;
    return mismatch(expected, status, body, shown);
  }
}

function mismatch(
  expected: FuzzExpectation,
  status: number,
  body: ErrorBody | undefined,
  shown: string,
): string | undefined {
  const ok = status >= 200 && status < 300;
  const refused = status >= 400 && status < 500;
  switch (expected) {
    case 'ok':
      return ok ? undefined : `expected 2xx, got ${shown}`;
    case '4xx':
      return refused ? undefined : `expected a 4xx, got ${shown}`;
    case 'ok-or-4xx':
      return ok || refused ? undefined : `expected 2xx or 4xx, got ${shown}`;
    default: {
      const limit = body?.error?.details?.limit;
      if (status === expected.status && body?.error?.code === expected.code) {
        if (expected.limit === undefined || limit === expected.limit) return undefined;
      }
      const wanted = `${expected.status} ${expected.code}${expected.limit ? ` (${expected.limit})` : ''}`;
      return `expected ${wanted}, got ${shown}`;
    }
  }
}

/** The assertion message of a report: its failures, one a line, and the figures. */
export function describeReport(report: FuzzReport): string {
  return [
    `${report.cases} cases, ${report.requests} requests; worst event-loop delay ${Math.round(
      report.worstLoopDelay.ms,
    )} ms (${report.worstLoopDelay.name}); RSS growth ${Math.round(report.rssGrowthBytes / 2 ** 20)} MiB; statuses ${JSON.stringify(report.statuses)}`,
    ...report.failures,
  ].join('\n');
}
