// CURVE key pairs (Z85 text, as ZeroMQ takes them) and the Z85 codec the ZAP handler needs to name a
// client's raw 32-byte public key (ZeroMQ RFC 32/Z85, RFC 26/CurveZMQ).
import { curveKeyPair } from 'zeromq';

/** A CURVE key pair as 40-character Z85 strings. */
export interface CurveKeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** Who a secure server socket turned away, for the owner to log. */
export interface ConnectionRefusal {
  /**
   * 'key-not-admitted': the ZAP handler refused a valid CURVE key. 'handshake-failed': no CURVE
   * handshake at all — a plaintext client, or one holding the wrong server key (ZeroMQ reports
   * neither the key nor the remote address then).
   */
  readonly reason: 'key-not-admitted' | 'handshake-failed';
  /** The refused client's public key (Z85), or null if the handshake carried none. */
  readonly publicKey: string | null;
  /** The remote address ZeroMQ reported (an IP address for tcp); '' when it reported none. */
  readonly address: string;
  /**
   * ZeroMQ's error code for a failed handshake: ERR_ZMTP_MECHANISM_MISMATCH (a plaintext client),
   * ERR_ZMTP_CRYPTOGRAPHIC (a wrong server key), or a socket error such as EPIPE when the caller
   * hung up before its mechanism was read.
   */
  readonly detail?: string;
}

const z85Alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const z85KeyPattern = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** A fresh key pair from libsodium (through ZeroMQ). */
export function generateCurveKeyPair(): CurveKeyPair {
  return curveKeyPair();
}

/** Whether `text` has the shape of a Z85-encoded 32-byte CURVE key. */
export function isCurveKey(text: string): boolean {
  return z85KeyPattern.test(text);
}

/** Z85-encodes bytes whose length is a multiple of 4 (RFC 32); throws otherwise. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.byteLength % 4 !== 0)
    throw new Error(`Z85 encodes multiples of 4 bytes, not ${bytes.byteLength}`);
  let text = '';
  for (let offset = 0; offset < bytes.byteLength; offset += 4) {
    let value =
      ((bytes[offset]! << 24) >>> 0) +
      (bytes[offset + 1]! << 16) +
      (bytes[offset + 2]! << 8) +
      bytes[offset + 3]!;
    const chunk: string[] = [];
    for (let digit = 0; digit < 5; digit += 1) {
      chunk.unshift(z85Alphabet[value % 85]!);
      value = Math.floor(value / 85);
    }
    text += chunk.join('');
  }
  return text;
}
