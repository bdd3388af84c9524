// Shared vitest settings: every package reads sibling sources through the @raftkv/source condition
// and writes a JSON report under reports/vitest/ that .ci/run sums into one closing line.
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));

export function packageTestConfig(packageDirectory: string, options: { testTimeoutMs?: number } = {}) {
  const reportName = `${basename(dirname(packageDirectory))}-${basename(packageDirectory)}`;
  return defineConfig({
    root: packageDirectory,
    resolve: { conditions: ['@raftkv/source'] },
    ssr: { resolve: { conditions: ['@raftkv/source'] } },
    test: {
      include: ['tests/**/*.test.ts'],
      testTimeout: options.testTimeoutMs ?? 30_000,
      hookTimeout: 30_000,
      reporters: [
        'default',
        ['json', { outputFile: resolve(workspaceRoot, 'reports/vitest', `${reportName}.json`) }],
      ],
      pool: 'forks',
    },
  });
}
