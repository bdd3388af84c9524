// Validation of the bench's flags: good values parse, bad ones name the flag; load splitting.
import { describe, expect, test } from 'vitest';
import { OptionError, parseOptions, type RawOptions } from '../src/options.js';
import { share } from '../src/run-workload.js';

const defaults: RawOptions = {
  op: 'put',
  consistency: 'linearizable',
  readAt: 'client',
  inFlight: '256',
  readRatio: '0.5',
  duration: '10',
  warmup: '2',
  keys: '10000',
  keyBytes: '16',
  valueBytes: '256',
  clients: '1',
  runs: '1',
  nodes: '3',
  compareEtcd: false,
};

describe('parseOptions', () => {
  test('the defaults parse into a 3-node put workload at 256 in flight', () => {
    const options = parseOptions(defaults);
    expect(options).toMatchObject({
      operations: ['put'],
      inFlight: [256],
      keyBytes: 16,
      valueBytes: 256,
      target: { kind: 'start', nodes: 3 },
      totalRequests: null,
    });
  });

  test('lists of operations and in-flight counts, an existing cluster and extra node flags', () => {
    const options = parseOptions({
      ...defaults,
      op: 'put,get,mixed',
      inFlight: '1, 64,256',
      cluster: '.cluster',
      nodeArgs: '--cpu-prof  --cpu-prof-dir=/tmp/p',
    });
    expect(options.operations).toEqual(['put', 'get', 'mixed']);
    expect(options.inFlight).toEqual([1, 64, 256]);
    expect(options.target).toEqual({ kind: 'existing', dir: '.cluster' });
    expect(options.serverNodeArgs).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  });

  test('--read-at lists the members the load talks to', () => {
    expect(parseOptions(defaults).readAt).toEqual(['client']);
    expect(parseOptions({ ...defaults, readAt: 'leader,follower,all' }).readAt).toEqual([
      'leader',
      'follower',
      'all',
    ]);
  });

  test.each([
    [{ op: 'scan' }, '--op'],
    [{ consistency: 'eventual' }, '--consistency'],
    [{ inFlight: '0' }, '--in-flight'],
    [{ inFlight: '64,' }, '--in-flight'],
    [{ inFlight: '1.5' }, '--in-flight'],
    [{ readRatio: '1.5' }, '--read-ratio'],
    [{ duration: '0' }, '--duration'],
    [{ duration: 'ten' }, '--duration'],
    [{ keys: '100000', keyBytes: '4' }, '--key-bytes'],
    [{ valueBytes: '-1' }, '--value-bytes'],
    [{ clients: '4', inFlight: '2' }, '--in-flight'],
    [{ total: '0' }, '--total'],
    [{ nodes: '0' }, '--nodes'],
    [{ readAt: 'learner' }, '--read-at'],
    [{ readAt: 'leader', compareEtcd: true }, '--read-at'],
  ] as const)('rejects %o naming %s', (change, flag) => {
    expect(() => parseOptions({ ...defaults, ...change })).toThrow(OptionError);
    expect(() => parseOptions({ ...defaults, ...change })).toThrow(flag);
  });
});

describe('share', () => {
  test('splits requests in flight over load processes, summing to the total', () => {
    expect([0, 1, 2].map((index) => share(256, 3, index))).toEqual([86, 85, 85]);
    expect([0, 1].map((index) => share(1, 2, index)).reduce((a, b) => a + b)).toBe(1);
  });
});
