import { describeFuzzFamily } from '../fuzz/fuzz-spec';
import { overLimitSignals, signalCaseGroups } from '../fuzz/signal-cases';

describeFuzzFamily({
  family: 'signal',
  groups: signalCaseGroups,
  otherOutput: 'image',
  inferredPerGroup: 4,
  limitCases: {
    title: 'signals at and just over LIMIT_SIGNAL_VALUES, all their bytes present: 200, then 413 naming it',
    cases: overLimitSignals,
  },
});
