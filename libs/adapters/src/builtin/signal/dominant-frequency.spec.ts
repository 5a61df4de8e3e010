import { describe, expect, it } from 'vitest';
import { dominantFrequency, fftSizeFor, MAX_FFT_SIZE } from './dominant-frequency';

function sine(samples: number, cyclesPerSample: number, offset = 0, phase = 0.3): Float32Array {
  return Float32Array.from(
    { length: samples },
    (_v, i) => offset + Math.sin(2 * Math.PI * cyclesPerSample * i + phase),
  );
}

const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / values.length;

describe('dominantFrequency', () => {
  it('sizes the transform to the next power of two, capped', () => {
    expect(fftSizeFor(1)).toBe(4);
    expect(fftSizeFor(1000)).toBe(1024);
    expect(fftSizeFor(1024)).toBe(1024);
    expect(fftSizeFor(1025)).toBe(2048);
    expect(fftSizeFor(10 * MAX_FFT_SIZE)).toBe(MAX_FFT_SIZE);
  });

  it.each([0.01, 0.035, 0.1234, 0.25, 0.4])(
    'finds a tone at %s cycles/sample to a fraction of a bin',
    (f) => {
      const values = sine(1000, f, 5);
      const found = dominantFrequency(values, mean(values), fftSizeFor(values.length));
      expect(found).not.toBeNull();
      expect(Math.abs((found as number) - f)).toBeLessThan(0.2 / 1024);
    },
  );

  it('picks the stronger of two tones and ignores the offset', () => {
    const values = Float32Array.from(
      { length: 4000 },
      (_v, i) => 100 + 0.3 * Math.sin(2 * Math.PI * 0.02 * i) + Math.sin(2 * Math.PI * 0.15 * i),
    );
    expect(dominantFrequency(values, mean(values), fftSizeFor(4000))).toBeCloseTo(0.15, 3);
  });

  it('reports no frequency for a constant channel or a very short one', () => {
    const flat = new Float32Array(100).fill(0.1);
    expect(dominantFrequency(flat, mean(flat), 128)).toBeNull();
    expect(dominantFrequency(Float32Array.from([1, 2, 3]), 2, 4)).toBeNull();
  });

  it('finds a tone at the Nyquist frequency', () => {
    const values = Float32Array.from({ length: 64 }, (_v, i) => (i % 2 === 0 ? 1 : -1));
    expect(dominantFrequency(values, 0, 64)).toBeCloseTo(0.5, 6);
  });

  it('averages segments when the signal is longer than the largest transform', () => {
    const values = sine(2 * MAX_FFT_SIZE + 1000, 0.123);
    expect(dominantFrequency(values, mean(values), fftSizeFor(values.length))).toBeCloseTo(0.123, 5);
  });
});
