import { describeFuzzFamily } from '../fuzz/fuzz-spec';
import { imageCaseGroups } from '../fuzz/image-cases';

describeFuzzFamily({
  family: 'image',
  groups: imageCaseGroups,
  otherOutput: 'video',
  inferredPerGroup: 6,
});
