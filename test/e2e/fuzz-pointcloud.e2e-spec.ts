import { describeFuzzFamily } from '../fuzz/fuzz-spec';
import { overLimitClouds, pointCloudCaseGroups } from '../fuzz/pointcloud-cases';

describeFuzzFamily({
  family: 'pointcloud',
  groups: pointCloudCaseGroups,
  otherOutput: 'image',
  inferredPerGroup: 4,
  limitCases: {
    title: 'clouds at and just over LIMIT_POINTS, all their bytes present: 200, then 413 naming it',
    cases: overLimitClouds,
  },
});
