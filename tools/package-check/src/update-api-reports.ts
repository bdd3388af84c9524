// Rewrites the checked-in API report of every library package's entry points from the built dist/
// (run `npm run build` first). Usage: npm run api-reports -w @raftkv/package-check
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { apiEntryPoints, runApiReport } from './api-reports.js';
import { libraryPackages } from './packed-packages.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
let failed = false;
for (const library of libraryPackages(workspaceRoot)) {
  const manifest = JSON.parse(readFileSync(join(library.directory, 'package.json'), 'utf8'));
  for (const entry of apiEntryPoints(library, manifest.exports)) {
    const outcome = runApiReport(entry, true);
    const report = relative(workspaceRoot, join(entry.directory, 'api', entry.reportFileName));
    console.log(`${outcome.changed ? 'updated  ' : 'unchanged'} ${report}`);
    for (const error of outcome.errors) console.error(`  ${error}`);
    failed ||= outcome.errors.length > 0;
  }
}
process.exitCode = failed ? 1 : 0;
