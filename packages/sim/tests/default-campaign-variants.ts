// The broken variants that the default campaign (knobs as drawn, no fault profile) must catch in
// seeds 1..1000: shared by the default-campaign teeth test and the coverage check in teeth.test.ts.
import type { BrokenVariant } from '@raftkv/raft/testing';

export const defaultCampaignVariants: readonly BrokenVariant[] = [
  'count-stale-vote-response',
  'concurrent-configuration-change',
  'read-confirmed-by-earlier-round',
];
