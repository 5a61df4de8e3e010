import { describe, expect, it } from 'vitest';
import { parseFrameMetadata } from './frame-metadata';

describe('parseFrameMetadata', () => {
  it('pairs each frame’s time with its value, skipping other keys and unreadable values', () => {
    const text = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.signalstats.YAVG=103.428',
      'frame:1    pts:512     pts_time:0.0333333',
      'lavfi.signalstats.YDIF=1',
      'frame:2    pts:1024    pts_time:0.0666667',
      'lavfi.signalstats.YAVG=nan',
      'frame:3    pts:1536    pts_time:0.1',
      'lavfi.signalstats.YAVG=99.5',
      '',
    ].join('\n');
    expect(parseFrameMetadata(text, 'lavfi.signalstats.YAVG')).toEqual([
      { timeS: 0, value: 103.428 },
      { timeS: 0.1, value: 99.5 },
    ]);
    expect(parseFrameMetadata('', 'lavfi.scene_score')).toEqual([]);
  });
});
