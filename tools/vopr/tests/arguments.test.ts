// Tests of vopr's flag parsing: good flags become a typed request, bad ones a clear error (exit 2).
import { describe, expect, it } from 'vitest';
import { parseVoprArguments } from '../src/arguments.js';

describe('parseVoprArguments', () => {
  it('parses a campaign with a start seed and a report path', () => {
    expect(parseVoprArguments(['--seeds', '1000', '--start', '7', '--report', 'out.json'])).toEqual({
      ok: true,
      request: { kind: 'campaign', seeds: 1000, start: 7, reportPath: 'out.json' },
    });
    expect(parseVoprArguments(['--seeds', '5'])).toMatchObject({ ok: true, request: { start: null } });
  });

  it('parses a verbose replay of one seed', () => {
    expect(parseVoprArguments(['--seed', '123', '--verbose'])).toEqual({
      ok: true,
      request: { kind: 'replay', seed: 123, verbose: true, reportPath: null },
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--seeds', 'ten'], /--seeds needs a positive integer, got 'ten'/],
    [['--seeds', '0'], /positive integer/],
    [['--seed=-3'], /--seed needs an integer/],
    [['--seed', '-3'], /--seed/],
    [['--seed', '1.5'], /--seed needs an integer/],
    [['--seed', '1', '--seeds', '4'], /cannot be combined/],
    [['--seeds', '4', '--verbose'], /--verbose only applies to a replay/],
    [[], /give --seeds N/],
    [['extra'], /Unexpected argument/],
  ])('rejects %j with a clear message', (argv, message) => {
    const parsed = parseVoprArguments(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});
