#!/usr/bin/env node
// Launcher for raftkv: runs the compiled program, or says how to build it when dist/ is missing.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'raftkv: not built yet. Run `npm run build` (or `npm start`, which builds) in the raftkv checkout.',
  );
  process.exit(2);
}
await import(entry.href);
