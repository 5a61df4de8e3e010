import type { MediaProber } from './media-prober';

/** The prober for every modality. */
export function createMediaProber(): MediaProber {
  return { probe: async (detection) => detection };
}
