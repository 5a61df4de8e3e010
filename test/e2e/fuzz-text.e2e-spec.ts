import { describeFuzzFamily } from '../fuzz/fuzz-spec';
import { overLimitTexts, textCaseGroups } from '../fuzz/text-cases';

describeFuzzFamily({
  family: 'text',
  groups: textCaseGroups,
  otherOutput: 'image',
  inferredPerGroup: 8,
  limitCases: {
    title: 'texts at and just over LIMIT_TEXT_CHARS: 200, then 413 naming it',
    cases: overLimitTexts,
  },
});
