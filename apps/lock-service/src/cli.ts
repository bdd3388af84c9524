// The lock service's command line: one request, its answer as JSON on stdout; exit 1 on failure.
//   node dist/cli.js --endpoints http://127.0.0.1:8001,http://127.0.0.1:8002 acquire LOCK OWNER
import { parseArgs } from 'node:util';
import { LockClient } from './lock-client.js';

const usage = 'usage: cli --endpoints URL[,URL…] acquire LOCK OWNER | release LOCK OWNER | holder LOCK';
try {
  const { values, positionals } = parseArgs({
    options: { endpoints: { type: 'string' } },
    allowPositionals: true,
  });
  const endpoints = values.endpoints?.split(',').filter((endpoint) => endpoint !== '') ?? [];
  const [command, lock, owner] = positionals;
  if (endpoints.length === 0 || lock === undefined) throw new Error(usage);
  const client = new LockClient({ endpoints });
  const answer =
    command === 'holder'
      ? await client.holder(lock)
      : (command === 'acquire' || command === 'release') && owner !== undefined
        ? await client[command](lock, owner)
        : null;
  if (answer === null) throw new Error(usage);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
