// Checks a schema-valid operation against the named limits, returning the first violation as a
// typed error (the same on every node). Never throws and never reads the store.
import type { AlarmOperation, CommandSession, Compare, KvOperation, TransactionStep } from '../commands.js';
import type { KvLimits } from '../limits.js';
import type { KvError, KvErrorCode } from '../results.js';
import { clientIdByteLength } from './keyspace.js';

export function validateOperation(operation: KvOperation, limits: KvLimits): KvError | null {
  switch (operation.type) {
    case 'put':
    case 'get':
    case 'delete':
    case 'range':
      return validateStep(operation, limits);
    case 'compareAndSwap':
      return (
        checkKey(operation.key, limits) ??
        checkValue(operation.expected.target === 'value' ? operation.expected.value : null, limits) ??
        checkValue(operation.value, limits)
      );
    case 'transaction':
      return validateTransaction(operation.compares, [...operation.success, ...operation.failure], limits);
    case 'alarm':
      return validateAlarm(operation);
  }
}

/** An activation names its member, reason and time; a deactivation names a member or none (all). */
function validateAlarm(operation: AlarmOperation): KvError | null {
  if (operation.action === 'deactivate') return null;
  if (operation.member === null)
    return error('malformed-command', 'an alarm activation must name its member');
  if (operation.reason === undefined || operation.since === undefined)
    return error('malformed-command', 'an alarm activation must give its reason and since');
  return null;
}

export function validateSession(session: CommandSession, limits: KvLimits): KvError | null {
  const length = clientIdByteLength(session.clientId);
  return length > limits.clientIdBytesMax
    ? error(
        'client-id-too-large',
        `client id is ${length} bytes, more than clientIdBytesMax ${limits.clientIdBytesMax}`,
      )
    : null;
}

function validateTransaction(
  compares: readonly Compare[],
  steps: readonly TransactionStep[],
  limits: KvLimits,
) {
  const operations = compares.length + steps.length;
  if (operations > limits.operationsPerTransactionMax) {
    return error(
      'too-many-operations',
      `transaction has ${operations} compares and operations, more than operationsPerTransactionMax ${limits.operationsPerTransactionMax}`,
    );
  }
  for (const compare of compares) {
    const violation =
      checkKey(compare.key, limits) ?? checkValue(compare.target === 'value' ? compare.value : null, limits);
    if (violation !== null) return violation;
  }
  for (const step of steps) {
    const violation = validateStep(step, limits);
    if (violation !== null) return violation;
  }
  return null;
}

function validateStep(step: TransactionStep, limits: KvLimits): KvError | null {
  switch (step.type) {
    case 'put':
      return checkKey(step.key, limits) ?? checkValue(step.value, limits);
    case 'get':
    case 'delete':
      return checkKey(step.key, limits);
    case 'range':
      return (
        checkKey(step.start, limits) ??
        (step.end === null ? null : checkKey(step.end, limits)) ??
        (step.limit > limits.rangeLimitMax
          ? error(
              'range-limit-too-large',
              `range limit ${step.limit} is more than rangeLimitMax ${limits.rangeLimitMax}`,
            )
          : null)
      );
  }
}

function checkKey(key: Uint8Array, limits: KvLimits): KvError | null {
  return key.length > limits.keyBytesMax
    ? error('key-too-large', `key is ${key.length} bytes, more than keyBytesMax ${limits.keyBytesMax}`)
    : null;
}

function checkValue(value: Uint8Array | null, limits: KvLimits): KvError | null {
  return value !== null && value.length > limits.valueBytesMax
    ? error(
        'value-too-large',
        `value is ${value.length} bytes, more than valueBytesMax ${limits.valueBytesMax}`,
      )
    : null;
}

function error(code: KvErrorCode, message: string): KvError {
  return { code, message };
}
