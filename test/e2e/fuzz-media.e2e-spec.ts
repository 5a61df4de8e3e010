import { audioVideoCaseGroups, overLimitMedia } from '../fuzz/audio-video-cases';
import { describeFuzzFamily } from '../fuzz/fuzz-spec';

describeFuzzFamily({
  family: 'audio-video',
  groups: audioVideoCaseGroups,
  // Both audio and video reach image (a waveform, a frame) in one ffmpeg hop.
  otherOutput: 'image',
  inferredPerGroup: 1,
  limitCases: {
    title: 'WAVs at and just over LIMIT_MEDIA_DURATION_S, all their bytes present: 200, then 413 naming it',
    cases: overLimitMedia,
  },
});
