// raftkv's exit codes and the mapping from a client error to one. Constants and one pure function.
import type { KvClientError } from '@raftkv/client';

export const exitOk = 0;
/** The request definitely failed (or the key is missing, or a compare failed). */
export const exitFailure = 1;
/** Bad arguments: nothing was sent. */
export const exitUsage = 2;
/** A write may or may not have been applied. */
export const exitOutcomeUnknown = 3;
/** A backup file is truncated, damaged or of an unknown format (`snapshot save`/`status`). */
export const exitDamagedFile = 4;

export function exitCodeFor(error: KvClientError): number {
  if (error.code === 'outcome-unknown') return exitOutcomeUnknown;
  if (error.code === 'invalid-argument') return exitUsage;
  return exitFailure;
}
