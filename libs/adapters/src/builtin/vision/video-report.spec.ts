import { describe, expect, it } from 'vitest';
import { formatVideoReport, videoReport } from './video-report';

const at = (label: string, score: number, x: number) => ({
  label,
  score,
  box: { x, y: 10, width: 20, height: 40 },
});

describe('videoReport', () => {
  const report = videoReport({ width: 320, height: 240, durationS: 2.5, intervalS: 1 }, [
    { timeS: 0, objects: [at('person', 0.921, 5), at('person', 0.5, 100), at('dog', 0.41, 200)] },
    { timeS: 1, objects: [at('person', 0.88, 7)] },
    { timeS: 2, objects: [] },
  ]);

  it('counts each label as the most seen at once, and the frames it is seen in', () => {
    expect(report.counts).toEqual({ person: 2, dog: 1 });
    expect(report.frameCounts).toEqual({ person: 2, dog: 1 });
    expect(report).toMatchObject({ width: 320, height: 240, durationS: 2.5, intervalS: 1 });
  });

  it('writes a summary, then one line per sampled time with each object, its score and box', () => {
    expect(formatVideoReport(report)).toBe(
      [
        '3 frames of the 320×240 video, one every 1.0 s: person in 2 (at most 2 at once), dog in 1 (at most 1 at once)',
        '0.0 s: person 0.92 [5,10,20,40], person 0.50 [100,10,20,40], dog 0.41 [200,10,20,40]',
        '1.0 s: person 0.88 [7,10,20,40]',
        '2.0 s: nothing found',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing was found, and writes times between whole seconds', () => {
    const empty = videoReport({ width: 64, height: 48, intervalS: 0.25 }, [
      { timeS: 0, objects: [] },
      { timeS: 0.25, objects: [] },
    ]);
    expect(empty).not.toHaveProperty('durationS');
    expect(formatVideoReport(empty)).toBe(
      '2 frames of the 64×48 video, one every 0.25 s: no objects found\n0.0 s: nothing found\n0.25 s: nothing found\n',
    );
  });
});
