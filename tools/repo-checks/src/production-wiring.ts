// The simulator runs the code raftkvd runs (issue 12): for each production component, the simulator's
// sources import it by value from the production package and use it, raftkvd's sources (or an
// adapter raftkvd wires in) import the same name from the same package, and the simulator defines no
// look-alike of its own. Reports; never fixes.
import type { SourceFile } from './source-files.js';

/** A production component the simulator must run itself: `name` exported by package `from`. */
export interface ProductionComponent {
  readonly name: string;
  readonly from: string;
}

/** The names a file imports by value (not `import type`) from `specifier`, with their local names. */
export function valueImportsOf(text: string, specifier: string): Array<{ imported: string; local: string }> {
  const found: Array<{ imported: string; local: string }> = [];
  const pattern = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined || match[3] !== specifier) continue;
    for (const part of match[2]!.split(',')) {
      const item = part.trim();
      if (item.length === 0 || item.startsWith('type ')) continue;
      const [imported, local] = item.split(/\s+as\s+/);
      found.push({ imported: imported!.trim(), local: (local ?? imported!).trim() });
    }
  }
  return found;
}

/** A source file with its raw text (for imports, uses and definitions). */
export interface WiringSource extends SourceFile {
  readonly text: string;
}

/** The text without comments and without import statements (string contents are kept). */
function codeOutsideImports(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|\s)\/\/[^\n]*/g, '$1')
    .replace(/import\s+[^;]*?from\s*['"][^'"]*['"]/g, ' ');
}

/** Whether `file` imports `component` by value and uses it beyond the import. */
function runs(file: WiringSource, component: ProductionComponent): boolean {
  return valueImportsOf(file.text, component.from).some(
    ({ imported, local }) =>
      imported === component.name && new RegExp(`\\b${local}\\b`).test(codeOutsideImports(file.text)),
  );
}

export function productionWiringViolations(
  simulator: readonly WiringSource[],
  production: readonly WiringSource[],
  components: readonly ProductionComponent[],
): string[] {
  const violations: string[] = [];
  for (const component of components) {
    const label = `${component.name} from ${component.from}`;
    if (!simulator.some((file) => runs(file, component))) {
      violations.push(`the simulator does not import and use ${label}`);
    }
    if (!production.some((file) => runs(file, component))) {
      violations.push(`raftkvd does not import and use ${label}, so the simulator would run other code`);
    }
    const definition = new RegExp(`\\b(class|function|const|let|var|interface|type)\\s+${component.name}\\b`);
    for (const file of simulator) {
      if (definition.test(codeOutsideImports(file.text)))
        violations.push(`${file.path} defines its own ${component.name}`);
    }
  }
  return violations;
}
