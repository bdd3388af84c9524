// What the open dashboard costs the cluster: puts at 256 in flight (tools/bench, --cluster) against
// `npm start`'s cluster with no page open and with the page open in chromium, alternating the two
// so drift on a shared machine hits both alike. Prints each run and the ratio of the medians.
// Run after `npm run build`: npx tsx --conditions=@raftkv/source tools/cluster/scripts/dashboard-cost.ts [rounds]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { isAlive } from '../src/node-processes.js';
import { readState } from '../src/state-file.js';

const root = join(import.meta.dirname, '..', '..', '..');
const rounds = Number(process.argv[2] ?? 3);
const dataRoot = mkdtempSync(join(tmpdir(), 'raftkv-dashboard-cost-'));
const launcher = spawn(
  process.execPath,
  [join(root, 'tools/cluster/dist/main.js'), '--data-dir', dataRoot, 'start', '--no-build'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let output = '';
launcher.stdout?.on('data', (chunk: Buffer) => {
  output += chunk.toString();
});

function bench(): Promise<{ opsPerSecond: number; p50: number; line: string }> {
  const args = ['--conditions=@raftkv/source', '--import', 'tsx', join(root, 'tools/bench/src/main.ts')];
  const flags = [
    '--op',
    'put',
    '--in-flight',
    '256',
    '--cluster',
    dataRoot,
    '--duration',
    '10',
    '--warmup',
    '2',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args, ...flags],
      { cwd: root, timeout: 120_000 },
      (error, stdout, stderr) => {
        const match = /(\d+) ops\/s, p50 ([\d.]+) ms.*/.exec(stdout);
        if (error !== null || match === null) reject(new Error(`bench failed: ${stderr}${stdout}`));
        else resolve({ opsPerSecond: Number(match[1]), p50: Number(match[2]), line: match[0] });
      },
    );
  });
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  const deadline = Date.now() + 120_000;
  while (!output.includes('Press Ctrl-C')) {
    if (Date.now() > deadline) throw new Error(`the launcher did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const url = /Dashboard: (\S+)/.exec(output)![1]!;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox'],
  });
  // A blank page in the same browser separates what chromium costs by itself from what the
  // dashboard (its pushes and redraws) costs.
  const runs = { closed: [] as number[], blank: [] as number[], dashboard: [] as number[] };
  try {
    for (let round = 1; round <= rounds; round += 1) {
      const without = await bench();
      runs.closed.push(without.opsPerSecond);
      console.log(`round ${round} no page:        ${without.line}`);
      const blank = await browser.newPage();
      await blank.goto('about:blank');
      const withBlank = await bench();
      runs.blank.push(withBlank.opsPerSecond);
      console.log(`round ${round} blank page:     ${withBlank.line}`);
      await blank.close();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('leader')?.dataset.leader !== '');
      const withPage = await bench();
      runs.dashboard.push(withPage.opsPerSecond);
      console.log(`round ${round} dashboard open: ${withPage.line}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const base = median(runs.closed);
  for (const [name, values] of Object.entries(runs))
    console.log(
      `median puts/s, ${name}: ${median(values)} (${(((median(values) - base) / base) * 100).toFixed(1)} % vs no page; runs ${values.join('/')})`,
    );
} finally {
  launcher.kill('SIGINT');
  await new Promise((resolve) => launcher.once('exit', resolve));
  for (const node of readState(dataRoot)?.nodes ?? [])
    if (node.pid !== null && isAlive(node.pid)) process.kill(node.pid, 'SIGKILL');
  rmSync(dataRoot, { recursive: true, force: true });
}
