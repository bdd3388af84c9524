// API reports of the library packages (@microsoft/api-extractor): one checked-in report per published
// entry point, `packages/<dir>/api/<dir>[-<subpath>].api.md`, read from the built dist/*.d.ts. Checking
// compares a fresh report with the checked-in one; updating rewrites it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
} from '@microsoft/api-extractor';
import type { LibraryPackage } from './packed-packages.js';

export interface ApiEntryPoint {
  readonly packageName: string;
  readonly directory: string;
  /** `.` or `./testing`, as in the manifest's exports. */
  readonly subpath: string;
  /** The built declaration file the entry point's `types` condition names. */
  readonly typesFile: string;
  readonly reportFileName: string;
}

/** Every exports entry of a library package that a user can import (it has types and a default). */
export function apiEntryPoints(library: LibraryPackage, exports: Record<string, unknown>): ApiEntryPoint[] {
  const entries: ApiEntryPoint[] = [];
  for (const [subpath, target] of Object.entries(exports)) {
    if (target === null || typeof target !== 'object') continue;
    const { types, default: main } = target as Record<string, unknown>;
    if (typeof types !== 'string' || main === undefined) continue;
    const suffix = subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`;
    entries.push({
      packageName: library.name,
      directory: library.directory,
      subpath,
      typesFile: join(library.directory, types),
      reportFileName: `${basename(library.directory)}${suffix}.api.md`,
    });
  }
  return entries;
}

export interface ApiReportOutcome {
  readonly entry: ApiEntryPoint;
  /** The fresh report differs from the checked-in one (or none is checked in). */
  readonly changed: boolean;
  /** Errors api-extractor reported (a declaration it could not analyse). */
  readonly errors: readonly string[];
}

/**
 * Generates the report of one entry point. With `update` it rewrites the checked-in report when it
 * differs; without, it leaves the checked-in report alone and says whether it differs.
 */
export function runApiReport(entry: ApiEntryPoint, update: boolean): ApiReportOutcome {
  const scratch = mkdtempSync(join(tmpdir(), 'raftkv-api-'));
  const errors: string[] = [];
  if (update) mkdirSync(join(entry.directory, 'api'), { recursive: true });
  try {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: entry.directory,
        mainEntryPointFilePath: entry.typesFile,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2023',
              lib: ['ES2023'],
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              types: ['node'],
              strict: true,
              skipLibCheck: true,
            },
            files: [entry.typesFile],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: entry.reportFileName,
          reportFolder: join(entry.directory, 'api'),
          reportTempFolder: scratch,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          // Release tags (@public, @beta) are not used here: every export of an entry point is public.
          extractorMessageReporting: {
            default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
            'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
            'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
            'ae-unresolved-link': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
            'ae-internal-missing-underscore': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          },
          // The doc comments are prose for readers, not TSDoc for a documentation generator.
          tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
          compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: join(entry.directory, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      messageCallback: (message: ExtractorMessage) => {
        if (message.logLevel === ExtractorLogLevel.Error)
          errors.push(message.formatMessageWithLocation(entry.directory));
        message.handled = true;
      },
    });
    return { entry, changed: result.apiReportChanged, errors };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
