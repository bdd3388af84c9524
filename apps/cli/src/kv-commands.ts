// raftkv's key-value commands: get, put, del, cas, scan, txn. Each turns arguments into one KvClient
// call and prints the result; a missing key or failed compare is a definite failure (exit 1).
import type { CasResult, TxnResult } from '@raftkv/client';
import type { StepResult } from '@raftkv/kv';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from './cli-context.js';
import { exitFailure, exitUsage } from './exit-codes.js';
import { CliFailure } from './io.js';
import { keyValueJson, table, utf8 } from './output.js';
import { parseTxnSpec } from './txn-spec.js';

export function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(`"${text}" is not a whole number`);
  }
  return Number(text);
}

export function addKvCommands(program: Command, context: CliContext): void {
  program
    .command('get')
    .description(
      'print the value of a key (linearizable unless --consistency serializable); any member serves it',
    )
    .argument('<key>')
    .option(
      '--min-revision <R>',
      'first wait (up to the request timeout) until the member has applied revision R (read-your-writes)',
      wholeNumber,
    )
    .action(async (key: string, options: { minRevision?: number }) => {
      const result = await context
        .client()
        .get(key, options.minRevision === undefined ? {} : { minRevision: options.minRevision });
      if (!result.found) throw new CliFailure(`key "${key}" not found`, exitFailure);
      context.print(
        { ...keyValueJson(result.keyValue), revision: result.revision },
        () => `${utf8(result.keyValue.value)}\n`,
      );
    });

  program
    .command('put')
    .description('write a value')
    .argument('<key>')
    .argument('<value>')
    .action(async (key: string, value: string) => {
      const result = await context.client().put(key, value);
      context.print({ revision: result.revision }, () => 'OK\n');
    });

  program
    .command('del')
    .description('delete a key; prints how many keys were deleted (0 or 1)')
    .argument('<key>')
    .action(async (key: string) => {
      const result = await context.client().delete(key);
      context.print(
        { revision: result.revision, deleted: result.deleted },
        () => `${result.deleted ? 1 : 0}\n`,
      );
    });

  addCasCommand(program, context);
  addScanCommand(program, context);
  addTxnCommand(program, context);
}

function addCasCommand(program: Command, context: CliContext): void {
  program
    .command('cas')
    .description('compare-and-swap: write <new> only if <key> holds <expected> (or has --expected-version N)')
    .usage('[options] <key> <expected> <new>  |  cas --expected-version <N> <key> <new>')
    .argument('<key>')
    .argument('<values...>', '<expected> <new>, or just <new> with --expected-version')
    .option(
      '--expected-version <N>',
      'expect this version instead of a value (0: the key must not exist)',
      wholeNumber,
    )
    .action(async (key: string, values: string[], options: { expectedVersion?: number }) => {
      const wanted = options.expectedVersion === undefined ? 2 : 1;
      if (values.length !== wanted) {
        const form = wanted === 2 ? '<key> <expected> <new>' : '--expected-version N <key> <new>';
        throw new CliFailure(`cas takes ${form}`, exitUsage);
      }
      const expected =
        options.expectedVersion === undefined ? { value: values[0]! } : { version: options.expectedVersion };
      const result = await context.client().cas(key, expected, values[wanted - 1]!);
      printCas(context, key, result);
    });
}

function printCas(context: CliContext, key: string, result: CasResult): void {
  if (result.succeeded) {
    context.print(result, () => 'OK\n');
    return;
  }
  const current = result.current === null ? null : keyValueJson(result.current);
  context.print({ succeeded: false, revision: result.revision, current }, () => '');
  const now = current === null ? 'is missing' : `holds "${current.value}" (version ${current.version})`;
  throw new CliFailure(`compare failed: ${key} ${now}`, exitFailure);
}

function addScanCommand(program: Command, context: CliContext): void {
  program
    .command('scan')
    .description('list keys with a prefix, in key order')
    .requiredOption('--prefix <prefix>', 'keys that start with this ("" for all keys)')
    .option('--limit <N>', 'at most this many keys', wholeNumber, 100)
    .option('--min-revision <R>', 'first wait until the member has applied revision R', wholeNumber)
    .action(async (options: { prefix: string; limit: number; minRevision?: number }) => {
      if (options.limit === 0) throw new CliFailure('--limit must be at least 1', exitUsage);
      const result = await context
        .client()
        .range(
          { prefix: options.prefix, limit: options.limit },
          options.minRevision === undefined ? {} : { minRevision: options.minRevision },
        );
      const pairs = result.keyValues.map(keyValueJson);
      context.print({ revision: result.revision, keyValues: pairs, more: result.more }, () =>
        table(
          ['KEY', 'VALUE', 'VERSION', 'MOD-REVISION'],
          pairs.map((pair) => [pair.key, pair.value, String(pair.version), String(pair.modRevision)]),
        ),
      );
      if (result.more) context.io.stderr(`raftkv: more keys match; raise --limit (now ${options.limit})\n`);
    });
}

function addTxnCommand(program: Command, context: CliContext): void {
  program
    .command('txn')
    .description('run a transaction: if every compare holds, the success ops, else the failure ops')
    .option('--file <path>', 'read the JSON txn spec from this file instead of stdin')
    .addHelpText(
      'after',
      `
Spec (JSON; keys and values are UTF-8 strings):
  { "compares": [ { "key": "a", "target": "value", "operator": "equal", "value": "1" },
                  { "key": "b", "target": "version", "operator": ">", "value": 0 } ],
    "success":  [ { "type": "put", "key": "a", "value": "2" }, { "type": "get", "key": "b" },
                  { "type": "delete", "key": "c" }, { "type": "range", "prefix": "x/", "limit": 10 } ],
    "failure":  [ { "type": "get", "key": "a" } ] }
targets: value | version | createRevision | modRevision; operators: equal notEqual less greater (= != < >)`,
    )
    .action(async (options: { file?: string }) => {
      const text =
        options.file === undefined ? await context.io.readStdin() : await readSpec(context, options.file);
      const result = await context.client().txn(parseTxnSpec(text));
      context.print(result, () => txnText(result));
    });
}

async function readSpec(context: CliContext, path: string): Promise<string> {
  try {
    return await context.io.readFile(path);
  } catch (error) {
    throw new CliFailure(`cannot read --file ${path}: ${(error as Error).message}`, exitUsage);
  }
}

function txnText(result: TxnResult): string {
  const lines = [result.succeeded ? 'SUCCESS' : 'FAILURE', ...result.results.map(stepText)];
  return `${lines.join('\n')}\n`;
}

function stepText(result: StepResult): string {
  switch (result.type) {
    case 'put':
      return 'put OK';
    case 'get':
      return result.keyValue === null
        ? 'get (not found)'
        : `get ${utf8(result.keyValue.key)} = ${utf8(result.keyValue.value)}`;
    case 'delete':
      return `delete ${result.deleted ? 1 : 0}`;
    case 'range':
      return `range ${result.keyValues.map((pair) => `${utf8(pair.key)}=${utf8(pair.value)}`).join(' ')}`;
  }
}
