// The broken variants that the default campaign (knobs as drawn, no fault profile) must catch in
// seeds 1..1000: shared by the default-campaign teeth tests (core and storage) and the coverage check
// in teeth.test.ts.
import type { BrokenVariant } from '@raftkv/raft/testing';

export const defaultCampaignVariants: readonly BrokenVariant[] = [
  'count-stale-vote-response',
  'concurrent-configuration-change',
  'read-confirmed-by-earlier-round',
];

/** The storage variants (write-ahead log, deferred KV commit), caught by the default campaign in storage-teeth.test.ts. */
export const storageCampaignVariants: readonly BrokenVariant[] = [
  'persist-without-fdatasync',
  'reopen-truncates-final-record',
  'deferred-commit-records-unwritten-apply',
];
