import { clampBox } from './draw-boxes';
import type { DetectedObject } from './human-engine';

/** One detection as every output reports it: its box in pixels of the input as shown (upright). */
export interface Found {
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
}

/** Maps a box in the pixels the model read back to the input's (`scaleX` model pixels per input pixel), cut to its picture. */
export function foundAt(
  label: string,
  score: number,
  box: readonly number[],
  scale: { scaleX: number; scaleY: number; width: number; height: number },
): Found {
  const [x, y, w, h] = clampBox(
    [box[0] / scale.scaleX, box[1] / scale.scaleY, box[2] / scale.scaleX, box[3] / scale.scaleY],
    scale.width,
    scale.height,
  );
  return { label, score, box: { x, y, width: w, height: h } };
}

/** The objects to report: scored at least `minScore`, of the wanted labels (all when none), best first, at most `max`. */
export function pickObjects(
  objects: readonly DetectedObject[],
  minScore: number,
  labels: readonly string[] | undefined,
  max: number,
): DetectedObject[] {
  const wanted = labels ? new Set(labels.map((label) => label.toLowerCase())) : undefined;
  return objects
    .filter((o) => o.score >= minScore && (!wanted || wanted.has(o.label)))
    .sort((a, b) => b.score - a.score)
    .slice(0, max);
}
