import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSignal, signalFormatOf } from '../../apps/console/src/media/signal/parse-signal';
import { Decimator } from '../../apps/console/src/media/signal/signal-data';
import { viewWindow } from '../../apps/console/src/media/signal/view-window';
import { FIXTURES_DIR } from '../fixtures';

const fixture = (path: string) => new Blob([readFileSync(join(FIXTURES_DIR, path))]);

/** The console's signal parsers (run in a Web Worker there), on the shared fixtures. */
describe('console signal parsing', () => {
  it('reads the MIT-BIH CSV: its time column as x, its two leads as channels with units', async () => {
    const data = await parseSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'delimited', {});
    expect(data.xLabel).toBe('time (s)');
    expect(data.channels.map((c) => [c.name, c.unit])).toEqual([
      ['MLII_mV', 'mV'],
      ['V5_mV', 'mV'],
    ]);
    const rows = readFileSync(join(FIXTURES_DIR, 'signal/mitdb-100-ecg-10s.csv'), 'utf8').trim().split('\n');
    expect(data.samples).toBe(rows.length - 1);
    expect(data.decimation).toBe(1);
    const last = rows.at(-1)!.split(',').map(Number);
    expect(data.x.at(-1)).toBeCloseTo(last[0], 6);
    expect(data.channels[1].values.at(-1)).toBeCloseTo(last[2], 5);
  });

  it('reads the EDF+ test recording in physical units, annotations left out', async () => {
    const data = await parseSignal(fixture('signal/edf-test-generator.edf'), 'edf', {});
    expect(data.channels.map((c) => c.name)).toContain('sine 8 Hz');
    expect(data.channels.map((c) => c.name)).not.toContain('EDF Annotations');
    expect(data.sampleRateHz).toBe(200);
    expect(data.samples).toBe(120_000);
    expect(data.x.at(-1)).toBeCloseTo(600 - 1 / 200, 6);
    const sine = data.channels.find((c) => c.name === 'sine 1 Hz')!.values;
    const peak = Math.max(...sine.subarray(0, 400));
    expect(peak).toBeGreaterThan(50); // µV, not raw digital values near 32767
    expect(peak).toBeLessThan(1000);
  });

  it('reads a 1 Hz multi-channel WAV as a signal', async () => {
    const data = await parseSignal(fixture('signal/sleep-psg-1hz.wav'), 'wav', {});
    expect(data.channels).toHaveLength(7);
    expect(data.sampleRateHz).toBe(1);
    expect(data.samples).toBe(79_500);
  });

  it('keeps memory bounded: a long signal is reduced to min/max blocks that keep its extremes', () => {
    const d = new Decimator(1, 1024);
    for (let i = 0; i < 100_000; i++) d.push(i, [i === 77_777 ? 1000 : Math.sin(i / 50)]);
    const { x, values, decimation } = d.finish();
    expect(decimation).toBeGreaterThan(64);
    expect(x.length).toBeLessThanOrEqual(2048);
    expect(Math.max(...values[0])).toBe(1000);
    expect(Math.min(...values[0])).toBeCloseTo(-1, 3);
    expect(d.samples).toBe(100_000);
  });

  it('draws at most two points per pixel bucket, raw samples when zoomed in', async () => {
    const data = await parseSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'delimited', {});
    const all = viewWindow(data, -Infinity, Infinity, 500);
    expect(all[0].length).toBeLessThanOrEqual(1000);
    expect(Math.max(...(all[1] as number[]))).toBe(Math.max(...data.channels[0].values));
    const zoomed = viewWindow(data, 1, 1.5, 500);
    expect(zoomed[0].length).toBeGreaterThan(150);
    expect(zoomed[0].every((x, i) => i === 0 || x > zoomed[0][i - 1])).toBe(true);
  });

  it('chooses the reader from the media type', () => {
    expect(signalFormatOf('text/csv')).toBe('delimited');
    expect(signalFormatOf('application/edf')).toBe('edf');
    expect(signalFormatOf('audio/wav')).toBe('wav');
    expect(signalFormatOf('application/json')).toBe('json');
    expect(signalFormatOf('application/octet-stream')).toBeUndefined();
  });

  it('reads headerless columns over a hinted rate, and the JSON channel form', async () => {
    const csv = await parseSignal(new Blob(['1 2\n3 4\n5 6\n']), 'delimited', { sampleRateHz: 2 });
    expect([...csv.x]).toEqual([0, 0.5, 1]);
    expect(csv.channels.map((c) => [...c.values])).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    const json = await parseSignal(
      new Blob([
        JSON.stringify({ sampleRateHz: 4, channels: [{ name: 'accel', unit: 'g', values: [0, 1, 0] }] }),
      ]),
      'json',
      {},
    );
    expect(json.channels[0]).toMatchObject({ name: 'accel', unit: 'g' });
    expect([...json.x]).toEqual([0, 0.25, 0.5]);
  });
});
