import type { Found } from './found';

/** What was found in one sampled frame. */
export interface FrameFindings {
  /** Seconds from the video's first frame. */
  timeS: number;
  objects: Found[];
}

/** Objects over the sampled frames of a video: the JSON answer of `detect` on a video. */
export interface VideoReport {
  /** The video's picture size as shown; boxes are in these pixels. */
  width: number;
  height: number;
  /** Seconds, as the headers say; absent when they do not. */
  durationS?: number;
  /** Seconds between two sampled frames. */
  intervalS: number;
  /** Per label, the most seen in any one frame: a lower bound of how many there are. */
  counts: Record<string, number>;
  /** Per label, in how many sampled frames it was seen. */
  frameCounts: Record<string, number>;
  frames: FrameFindings[];
}

export function videoReport(
  video: { width: number; height: number; durationS?: number; intervalS: number },
  frames: FrameFindings[],
): VideoReport {
  const counts: Record<string, number> = {};
  const frameCounts: Record<string, number> = {};
  for (const frame of frames) {
    const inFrame: Record<string, number> = {};
    for (const { label } of frame.objects) inFrame[label] = (inFrame[label] ?? 0) + 1;
    for (const [label, count] of Object.entries(inFrame)) {
      counts[label] = Math.max(counts[label] ?? 0, count);
      frameCounts[label] = (frameCounts[label] ?? 0) + 1;
    }
  }
  return {
    width: video.width,
    height: video.height,
    ...(video.durationS !== undefined ? { durationS: video.durationS } : {}),
    intervalS: video.intervalS,
    counts,
    frameCounts,
    frames,
  };
}

/** "0.0", "1.5", "2.25": at least one decimal, at most three. */
const seconds = (value: number) => {
  const rounded = Number(value.toFixed(3));
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
};

/**
 * The report as text: a summary line, then one line per sampled frame,
 * `1.0 s: person 0.92 [x,y,w,h], dog 0.41 [x,y,w,h]` (boxes in pixels of the video as shown).
 */
export function formatVideoReport(report: VideoReport): string {
  const sampled = `${report.frames.length} ${report.frames.length === 1 ? 'frame' : 'frames'} of the ${report.width}×${report.height} video, one every ${seconds(report.intervalS)} s`;
  const labels = Object.keys(report.counts).sort((a, b) => report.frameCounts[b] - report.frameCounts[a]);
  const seen =
    labels.length === 0
      ? 'no objects found'
      : labels
          .map(
            (label) => `${label} in ${report.frameCounts[label]} (at most ${report.counts[label]} at once)`,
          )
          .join(', ');
  const lines = report.frames.map((frame) => {
    const objects = frame.objects.map(
      ({ label, score, box }) =>
        `${label} ${score.toFixed(2)} [${box.x},${box.y},${box.width},${box.height}]`,
    );
    return `${seconds(frame.timeS)} s: ${objects.length === 0 ? 'nothing found' : objects.join(', ')}`;
  });
  return `${[`${sampled}: ${seen}`, ...lines].join('\n')}\n`;
}
