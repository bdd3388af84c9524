// Reads a package's TypeScript sources and strips comments and string contents, so rules match
// code only (a comment that mentions Date must not trip the purity rule). Reads files; never writes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface SourceFile {
  readonly path: string;
  readonly code: string;
  readonly imports: readonly string[];
}

export function listTypeScriptFiles(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...listTypeScriptFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files.sort();
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier !== undefined) specifiers.push(specifier);
  }
  return specifiers;
}

/** Removes comments and the contents of string and template literals, keeping line structure. */
export function stripCommentsAndStrings(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(
      /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g,
      (literal) => literal.charAt(0) + literal.charAt(0),
    );
}

export function readSourceFile(path: string, root: string): SourceFile {
  const text = readFileSync(path, 'utf8');
  return { path: relative(root, path), code: stripCommentsAndStrings(text), imports: importsOf(text) };
}
