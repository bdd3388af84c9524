// vopr's command line: parses flags with node:util parseArgs into a typed request, or a clear
// usage error (never throws for bad input). Does no I/O itself.
import { parseArgs } from 'node:util';

export type VoprRequest =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'campaign';
      readonly seeds: number;
      readonly start: number | null;
      readonly reportPath: string | null;
    }
  | {
      readonly kind: 'replay';
      readonly seed: number;
      readonly verbose: boolean;
      readonly reportPath: string | null;
    };

export type ParsedArguments =
  | { readonly ok: true; readonly request: VoprRequest }
  | { readonly ok: false; readonly error: string };

export const usage = `usage:
  npm run vopr -- --seeds N [--start S] [--report FILE]   run N seeds from S (default: a random base)
  npm run vopr -- --seed S [--verbose] [--report FILE]    replay one seed exactly (--verbose: full trace)
seeds are integers in [0, 2^53).`;

const seedPattern = /^\d{1,16}$/;

function parseSeed(flag: string, text: string): number | string {
  const value = Number(text);
  if (!seedPattern.test(text) || !Number.isSafeInteger(value))
    return `${flag} needs an integer in [0, 2^53), got '${text}'`;
  return value;
}

export function parseVoprArguments(argv: readonly string[]): ParsedArguments {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seeds: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        verbose: { type: 'boolean' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { ok: true, request: { kind: 'help' } };
  const reportPath = typeof values.report === 'string' ? values.report : null;
  if (typeof values.seed === 'string') {
    if (values.seeds !== undefined || values.start !== undefined) {
      return { ok: false, error: '--seed replays one seed; it cannot be combined with --seeds or --start' };
    }
    const seed = parseSeed('--seed', values.seed);
    if (typeof seed === 'string') return { ok: false, error: seed };
    return { ok: true, request: { kind: 'replay', seed, verbose: values.verbose === true, reportPath } };
  }
  if (typeof values.seeds !== 'string')
    return { ok: false, error: 'give --seeds N (a campaign) or --seed S (a replay)' };
  if (values.verbose === true) return { ok: false, error: '--verbose only applies to a replay (--seed S)' };
  const seeds = Number(values.seeds);
  if (!/^\d+$/.test(values.seeds) || !Number.isSafeInteger(seeds) || seeds < 1) {
    return { ok: false, error: `--seeds needs a positive integer, got '${values.seeds}'` };
  }
  let start: number | null = null;
  if (typeof values.start === 'string') {
    const parsed = parseSeed('--start', values.start);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    if (!Number.isSafeInteger(parsed + seeds))
      return { ok: false, error: '--start + --seeds must stay below 2^53' };
    start = parsed;
  }
  return { ok: true, request: { kind: 'campaign', seeds, start, reportPath } };
}
