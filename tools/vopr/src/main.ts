// vopr: runs the deterministic simulator over many seeds, or replays one seed exactly.
console.log('vopr: not built yet');
process.exit(1);
