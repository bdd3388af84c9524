// Sums vitest JSON reports and the simulator report into CI's closing line `N passed, N failed`.
// Every workspace project with a "test" script must have left a report; a missing one, or a suite
// that failed to load, counts as a failure so that nothing can go green by not running.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;

const rootPackage = JSON.parse(readFileSync('package.json', 'utf8'));
for (const pattern of rootPackage.workspaces) {
  const parent = pattern.replace(/\/\*$/, '');
  if (!existsSync(parent)) continue;
  for (const name of readdirSync(parent)) {
    const manifestPath = join(parent, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.scripts?.test) continue;
    const reportPath = join('reports/vitest', `${parent}-${name}.json`);
    if (!existsSync(reportPath)) {
      console.log(`missing test report for ${manifest.name} (${reportPath}): counted as failed`);
      failed += 1;
      continue;
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    for (const suite of report.testResults) {
      if (suite.status === 'failed' && suite.assertionResults.length === 0) {
        console.log(`suite failed to load: ${suite.name}`);
        failed += 1;
      }
    }
    if (report.numTotalTests === 0) {
      console.log(`${manifest.name} ran no test: counted as failed`);
      failed += 1;
    }
  }
}

const voprPath = 'reports/vopr.json';
if (existsSync(voprPath)) {
  const vopr = JSON.parse(readFileSync(voprPath, 'utf8'));
  passed += vopr.seedsPassed > 0 && vopr.seedsFailed === 0 ? 1 : 0;
  failed += vopr.seedsFailed > 0 || vopr.seedsPassed === 0 ? 1 : 0;
  console.log(`simulator: ${vopr.seedsPassed} seeds passed, ${vopr.seedsFailed} failed`);
} else {
  console.log('missing simulator report: counted as failed');
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
