// Encodes KV commands for the Raft log and decodes them back with full validation. Decoding never
// throws: any bytes, however malformed, yield a typed 'malformed-command' error instead.
import { type KvCommand, kvCommandSchema } from './commands.js';
import { kvPackr, unpackFromView } from './internal/packr.js';
import { decodePutCommandFast } from './internal/put-command-fast-path.js';
import type { KvError } from './results.js';

export type DecodeCommandResult =
  | { readonly ok: true; readonly command: KvCommand }
  | { readonly ok: false; readonly error: KvError };

export function encodeCommand(command: KvCommand): Uint8Array {
  return kvPackr.pack(command);
}

export function decodeCommand(data: Uint8Array): DecodeCommandResult {
  let decoded: unknown;
  try {
    decoded = unpackFromView(data);
  } catch {
    // msgpackr signals malformed input only by throwing; bad input is an expected outcome here.
    return malformed('command bytes are not valid msgpack');
  }
  const put = decodePutCommandFast(decoded);
  if (put !== null) return { ok: true, command: put };
  const parsed = kvCommandSchema.safeParse(decoded);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.map(String).join('.') ?? '';
    return malformed(`command does not match the schema at '${path}'`);
  }
  return { ok: true, command: parsed.data };
}

function malformed(message: string): DecodeCommandResult {
  return { ok: false, error: { code: 'malformed-command', message } };
}
