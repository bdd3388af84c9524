// The two key files raftkvd reads: its CURVE key pair (JSON {"publicKey","secretKey"}, Z85, as
// `raftkv keys generate` writes it) and the client allow-list (one Z85 public key first on each line,
// anything after whitespace a comment; blank lines and lines starting "# " ignored — Z85 itself uses
// '#', so only a whole-line "# " is a comment). Pure parsers returning a value or a message; no I/O.
import { type CurveKeyPair, isCurveKey } from '@raftkv/transport-zmq';
import { z } from 'zod';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

const curveKey = z.string().refine(isCurveKey, { error: 'is not a 40-character Z85 CURVE key' });
const keyPairSchema = z.strictObject({ publicKey: curveKey, secretKey: curveKey });

export function parseKeyPairFile(text: string): Parsed<CurveKeyPair> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = keyPairSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `"${issue.path.join('.')}" ` : '';
  return {
    ok: false,
    message: `must hold {"publicKey","secretKey"}: ${where}${issue?.message ?? 'is not valid'}`,
  };
}

export function parseClientKeysFile(text: string): Parsed<readonly string[]> {
  const keys: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!.trim();
    if (line === '' || line === '#' || line.startsWith('# ')) continue;
    const key = line.split(/\s/, 1)[0]!;
    if (!isCurveKey(key))
      return { ok: false, message: `line ${index + 1} is not a 40-character Z85 public key` };
    keys.push(key);
  }
  return { ok: true, value: keys };
}
