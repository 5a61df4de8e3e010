import { describe, expect, it } from 'vitest';
import { estimatePitch, yinPitch } from './pitch';

const RATE = 8_000;
const SETTINGS = { minHz: 60, maxHz: 800, minRms: 0.01 };

function tone(seconds: number, partials: { hz: number; amplitude: number }[]): Float32Array {
  const values = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < values.length; i++) {
    for (const { hz, amplitude } of partials)
      values[i] += amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  }
  return values;
}

describe('yinPitch', () => {
  it.each([82.4, 220, 440, 700])('finds the period of a %s Hz sine to 0.5 %%', (hz) => {
    const frame = tone(0.1, [{ hz, amplitude: 0.5 }]);
    const found = yinPitch(frame, RATE, 320, 10, 134);
    expect(found).toBeDefined();
    expect(Math.abs(found! - hz) / hz).toBeLessThan(0.005);
  });

  it('hears the missing fundamental of a harmonic tone, not its loudest partial', () => {
    const frame = tone(0.1, [
      { hz: 300, amplitude: 0.5 },
      { hz: 450, amplitude: 0.4 },
      { hz: 600, amplitude: 0.3 },
    ]);
    expect(yinPitch(frame, RATE, 320, 10, 134)).toBeCloseTo(150, 0);
  });

  it('finds no period in white noise', () => {
    let seed = 1;
    const noise = Float32Array.from({ length: 500 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 30 - 1;
    });
    expect(yinPitch(noise, RATE, 320, 10, 134)).toBeUndefined();
  });
});

describe('estimatePitch', () => {
  it('reports the median, range and voiced share of a tone with a silent half', () => {
    const samples = new Float32Array(2 * RATE);
    samples.set(tone(1, [{ hz: 196, amplitude: 0.3 }]), RATE);
    const { estimate, frames } = estimatePitch(samples, RATE, SETTINGS);
    expect(frames).toBeGreaterThan(90);
    expect(estimate!.medianHz).toBeCloseTo(196, 0);
    expect(estimate!.p10Hz).toBeGreaterThan(190);
    expect(estimate!.p90Hz).toBeLessThan(202);
    expect(estimate!.voicedFraction).toBeGreaterThan(0.4);
    expect(estimate!.voicedFraction).toBeLessThan(0.55);
  });

  it('has no estimate for silence', () => {
    expect(estimatePitch(new Float32Array(RATE), RATE, SETTINGS).estimate).toBeUndefined();
  });
});
