// The credential files raftkvd reads: its CURVE key pair (JSON {"publicKey","secretKey"}, Z85, as
// `raftkv keys generate` writes it), the client allow-list (one Z85 public key first on each line,
// anything after whitespace a comment; blank lines and lines starting "# " ignored — Z85 itself uses
// '#', so only a whole-line "# " is a comment), and the HTTP tokens and join credential files (the
// same line format). Pure parsers returning a value or a message; no I/O.
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
  for (const { line, word } of firstWords(text)) {
    if (!isCurveKey(word)) return { ok: false, message: `line ${line} is not a 40-character Z85 public key` };
    keys.push(word);
  }
  return { ok: true, value: keys };
}

/**
 * The first word of each line that is not blank or a comment, with its 1-based line number. Z85 uses
 * '#', so only a whole-line "#" or "# ..." is a comment.
 */
function firstWords(text: string): Array<{ readonly line: number; readonly word: string }> {
  return text.split(/\r?\n/).flatMap((raw, index) => {
    const line = raw.trim();
    if (line === '' || line === '#' || line.startsWith('# ')) return [];
    return [{ line: index + 1, word: line.split(/\s/, 1)[0]! }];
  });
}

/** Shortest bearer token accepted: 16 characters of a random token are beyond guessing. */
export const tokenLengthMin = 16;
const tokenLengthMax = 512;
/** Visible ASCII without whitespace: a token is sent as is in an Authorization header (RFC 6750 §2.1). */
const tokenPattern = /^[\x21-\x7e]+$/;

/** A tokens file: one token first on each line, anything after whitespace a comment, as the keys file. */
export function parseTokensFile(text: string): Parsed<readonly string[]> {
  const tokens: string[] = [];
  for (const { line, word } of firstWords(text)) {
    const problem = tokenProblem(word);
    if (problem !== null) return { ok: false, message: `line ${line}: the token ${problem}` };
    tokens.push(word);
  }
  return { ok: true, value: tokens };
}

/** The join credential's file: exactly one token. */
export function parseJoinTokenFile(text: string): Parsed<string> {
  const parsed = parseTokensFile(text);
  if (!parsed.ok) return parsed;
  if (parsed.value.length !== 1) {
    return { ok: false, message: `must hold exactly one token (it holds ${parsed.value.length})` };
  }
  return { ok: true, value: parsed.value[0]! };
}

function tokenProblem(token: string): string | null {
  if (!tokenPattern.test(token)) return 'has a character that is not visible ASCII';
  if (token.length < tokenLengthMin) return `is shorter than ${tokenLengthMin} characters`;
  if (token.length > tokenLengthMax) return `is longer than ${tokenLengthMax} characters`;
  return null;
}
