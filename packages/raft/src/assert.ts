// Assertions that stay on in production: a failed one is a programmer error and must crash.
// Never catch an AssertionError to carry on; expected protocol outcomes are typed results instead.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === 'string' ? message : message());
  }
}
