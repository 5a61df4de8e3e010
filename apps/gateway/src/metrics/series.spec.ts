import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesCounter, SeriesHistogram } from './series';

const BUCKETS = [0.01, 0.1, 1, 10];

/** The same counts made on prom-client's own metrics and on the series families, in two registries. */
function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const help = 'help text with a \\ and a\nnewline';
  return {
    ours,
    theirs,
    counters: [
      new SeriesCounter(ours, { name: 'c3', help, labelNames: ['method', 'route', 'status'] }),
      new Counter({ name: 'c3', help, labelNames: ['method', 'route', 'status'], registers: [theirs] }),
    ] as const,
    plain: [
      new SeriesCounter(ours, { name: 'c0', help }),
      new Counter({ name: 'c0', help, registers: [theirs] }),
    ] as const,
    histograms: [
      new SeriesHistogram(ours, { name: 'h2', help, labelNames: ['adapter', 'outcome'], buckets: BUCKETS }),
      new Histogram({
        name: 'h2',
        help,
        labelNames: ['adapter', 'outcome'],
        buckets: BUCKETS,
        registers: [theirs],
      }),
    ] as const,
    unlabelled: [
      new SeriesHistogram(ours, { name: 'h0', help, buckets: [...BUCKETS].reverse() }),
      new Histogram({ name: 'h0', help, buckets: BUCKETS, registers: [theirs] }),
    ] as const,
  };
}

describe('series families (the request path counts)', () => {
  it('expose exactly what prom-client exposes for the same counts, label-less ones at zero from the start', async () => {
    const p = pair();
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());

    const [c3, promC3] = p.counters;
    const calls: [string, string, number][] = [
      ['POST', '/v1/chat/completions', 200],
      ['POST', '/v1/chat/completions', 200],
      ['GET', '/v1/jobs/:id', 404],
      ['POST', '/v1/chat/completions', 429],
      ['GET', 'a "quoted" \\ route\nwith a newline', 200],
    ];
    for (const [method, route, status] of calls) {
      c3.at(method, route, status).inc();
      promC3.inc({ method, route, status: String(status) });
    }
    c3.at('GET', '/v1/jobs/:id', 404).inc(2.5);
    promC3.inc({ method: 'GET', route: '/v1/jobs/:id', status: '404' }, 2.5);
    p.plain[0].at().inc(3);
    p.plain[1].inc(3);

    const [h2, promH2] = p.histograms;
    // On a bound, between, past the last, zero and negative.
    const observations: [string, string, number][] = [
      ['builtin.sharp', 'completed', 0.1],
      ['builtin.sharp', 'completed', 0.05],
      ['openai.chat', 'failed', 11],
      ['openai.chat', 'completed', 0],
      ['builtin.sharp', 'completed', -1],
      ['openai.chat', 'completed', 1],
    ];
    for (const [adapter, outcome, seconds] of observations) {
      h2.at(adapter, outcome).observe(seconds);
      promH2.observe({ adapter, outcome }, seconds);
    }
    p.unlabelled[0].at().observe(0.5);
    p.unlabelled[1].observe(0.5);

    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
    // The JSON alike too, but for prom-client's exemplar fields (always empty here).
    const withoutExemplars = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (key, value: unknown) => (key === 'exemplar' ? undefined : value)));
    expect(await p.ours.getMetricsAsJSON()).toEqual(withoutExemplars(await p.theirs.getMetricsAsJSON()));
    const text = await p.ours.metrics();
    expect(text).toContain('c3{method="POST",route="/v1/chat/completions",status="200"} 2');
    expect(text).toContain('h2_bucket{le="0.1",adapter="builtin.sharp",outcome="completed"} 3');
    expect(text).toContain('h2_count{adapter="openai.chat",outcome="failed"} 1');
  });

  it('find a series again by its values (a number and its string are one series) and keep it', () => {
    const registry = new Registry();
    const counter = new SeriesCounter(registry, { name: 'c', help: 'h', labelNames: ['status'] });
    const series = counter.at(200);
    expect(counter.at(200)).toBe(series);
    series.inc();
    expect(series.labels).toEqual({ status: '200' });
    expect(series.value).toBe(1);
  });

  it('reset with the registry: labelled series gone, a label-less one back at zero', async () => {
    const p = pair();
    p.counters[0].at('GET', '/', 200).inc();
    p.plain[0].at().inc();
    p.unlabelled[0].at().observe(1);
    p.counters[1].inc({ method: 'GET', route: '/', status: '200' });
    p.plain[1].inc();
    p.unlabelled[1].observe(1);
    p.ours.resetMetrics();
    p.theirs.resetMetrics();
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
  });

  it('refuse what prom-client refuses: a counter going down or by a non-finite amount, a non-finite observation, a fourth label', () => {
    const registry = new Registry();
    const counter = new SeriesCounter(registry, { name: 'c', help: 'h' });
    expect(() => counter.at().inc(-1)).toThrow(/only goes up/);
    expect(() => counter.at().inc(Number.NaN)).toThrow(/only goes up/);
    expect(() => counter.at().inc(Number.POSITIVE_INFINITY)).toThrow(/only goes up/);
    const histogram = new SeriesHistogram(registry, { name: 'h', help: 'h', buckets: [1] });
    expect(() => histogram.at().observe(Number.NaN)).toThrow(/not a valid number/);
    expect(counter.at().value).toBe(0);
    expect(histogram.at().count).toBe(0);
    expect(
      () => new SeriesCounter(registry, { name: 'c4', help: 'h', labelNames: ['a', 'b', 'c', 'd'] }),
    ).toThrow(/at most three labels/);
    expect(() => new SeriesCounter(registry, { name: 'c', help: 'again' })).toThrow(
      /already been registered/,
    );
  });
});
