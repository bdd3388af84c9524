// The purity rule for core packages (DESIGN.md): no I/O, clock, ambient randomness, timers or
// async, so the core is deterministic and the simulator can run it. Reports; never fixes.
import type { SourceFile } from './source-files.js';

export interface Violation {
  readonly path: string;
  readonly line: number;
  readonly rule: string;
}

const forbiddenCode: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bDate\b/, 'reads the clock (Date)'],
  [/\bperformance\s*\./, 'reads the clock (performance)'],
  [/\bprocess\s*\./, 'touches the process (process.*)'],
  [/\bMath\s*\.\s*random\b/, 'uses ambient randomness (Math.random)'],
  [/\bcrypto\s*\./, 'uses ambient randomness (crypto)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask|clearTimeout|clearInterval)\b/, 'uses timers'],
  [/\basync\b|\bawait\b|\bPromise\b/, 'is asynchronous'],
  [/\brequire\s*\(/, 'loads modules dynamically'],
];

const forbiddenImport =
  /^(node:|fs$|path$|os$|net$|child_process$|zeromq$|node-lmdb$|worker_threads$|timers)/;

export function purityViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    for (const specifier of file.imports) {
      if (forbiddenImport.test(specifier))
        violations.push({ path: file.path, line: 0, rule: `imports ${specifier}` });
    }
    file.code.split('\n').forEach((text, lineIndex) => {
      for (const [pattern, rule] of forbiddenCode) {
        if (pattern.test(text)) violations.push({ path: file.path, line: lineIndex + 1, rule });
      }
    });
  }
  return violations;
}
