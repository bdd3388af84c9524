// The stored form of a remembered session result: exactly the bytes kvPackr.pack gives (stored state
// and snapshots must not depend on which path encoded it). The common result — a put that returned no
// previous key-value — is written from a fixed template, far cheaper than the general encoder.
import type { KvResult } from '../results.js';
import { kvPackr } from './packr.js';

const utf8 = new TextEncoder();
const fixString = (text: string): number[] => [0xa0 | text.length, ...utf8.encode(text)];

// {ok: true, revision: <uint>, result: {type: 'put', previous: null}} as msgpack, in field order.
const plainPutHead = Uint8Array.from([0x83, ...fixString('ok'), 0xc3, ...fixString('revision')]);
const plainPutTail = Uint8Array.from([
  ...fixString('result'),
  0x82,
  ...fixString('type'),
  ...fixString('put'),
  ...fixString('previous'),
  0xc0,
]);

const uint32Max = 0xffff_ffff;

export function packResult(result: KvResult): Uint8Array {
  if (result.ok && result.result.type === 'put' && result.result.previous === null) {
    if (result.revision <= uint32Max) return packPlainPut(result.revision);
  }
  return kvPackr.pack(result);
}

function packPlainPut(revision: number): Uint8Array {
  const revisionBytes = revision < 0x80 ? 1 : revision < 0x100 ? 2 : revision < 0x1_0000 ? 3 : 5;
  const packed = new Uint8Array(plainPutHead.length + revisionBytes + plainPutTail.length);
  packed.set(plainPutHead, 0);
  writeUnsigned(packed, plainPutHead.length, revision, revisionBytes);
  packed.set(plainPutTail, plainPutHead.length + revisionBytes);
  return packed;
}

/** msgpack's smallest unsigned form, as msgpackr writes it with useRecords off: fixint, uint8/16/32. */
function writeUnsigned(target: Uint8Array, offset: number, value: number, length: number): void {
  if (length === 1) {
    target[offset] = value;
    return;
  }
  target[offset] = length === 2 ? 0xcc : length === 3 ? 0xcd : 0xce;
  for (let position = length - 1; position >= 1; position--) {
    target[offset + position] = value & 0xff;
    value = Math.floor(value / 0x100);
  }
}
