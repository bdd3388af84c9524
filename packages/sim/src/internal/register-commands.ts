// The commands of the simulator's replicated state machine — a map of string registers with put and
// append — their byte encoding, and their semantics, shared by every node and the checkers' model.
// Pure: no I/O; decoding returns null for bytes that are not a command (e.g. a leader's no-op).

export interface RegisterCommand {
  readonly operation: 'put' | 'append';
  readonly key: string;
  readonly value: string;
}

export interface RegisterQuery {
  readonly key: string;
}

/** A register's value after a command, or (for reads) now; undefined for absent keys and non-commands. */
export type RegisterResult = string | undefined;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(command: RegisterCommand): Uint8Array {
  return encoder.encode(`${command.operation}\n${command.key}\n${command.value}`);
}

export function decodeCommand(data: Uint8Array): RegisterCommand | null {
  if (data.length === 0) return null;
  const [operation, key, value, ...rest] = decoder.decode(data).split('\n');
  if ((operation !== 'put' && operation !== 'append') || key === undefined || value === undefined)
    return null;
  if (rest.length > 0) return null;
  return { operation, key, value };
}

/** Applies `command` to `registers` and returns the register's new value. */
export function applyCommand(registers: Map<string, string>, command: RegisterCommand): string {
  const previous = registers.get(command.key);
  const next =
    command.operation === 'put' || previous === undefined ? command.value : `${previous},${command.value}`;
  registers.set(command.key, next);
  return next;
}

/** A deterministic byte image of every register, for snapshots (keys ascending). */
export function encodeRegisters(registers: ReadonlyMap<string, string>): Uint8Array {
  const pairs = [...registers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return encoder.encode(JSON.stringify(pairs));
}

/** The registers in a snapshot image, or null when the bytes are not one (e.g. chunks reassembled wrongly). */
export function decodeRegisters(bytes: Uint8Array): Map<string, string> | null {
  let pairs: unknown;
  try {
    pairs = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (!Array.isArray(pairs)) return null;
  const registers = new Map<string, string>();
  for (const pair of pairs) {
    if (!(Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')) return null;
    registers.set(pair[0], pair[1]);
  }
  return registers;
}
