// Micro-benchmark of KvStateMachine.apply over MemoryKvStore — NOT a test: prints commands per CPU
// second per workload (median of 5 runs) and asserts nothing. Usage: see packages/kv/README.md.
import { cpus } from 'node:os';
import { MemoryKvStore } from '../src/index.js';
import {
  type ApplyWorkload,
  type BenchStore,
  defaultWorkload,
  describeRates,
  measureApply,
  workloadLabel,
} from './apply-workload.js';

const openMemory = (): BenchStore => ({ store: new MemoryKvStore(), dispose: () => {} });
const workloads: ApplyWorkload[] = [
  defaultWorkload,
  { ...defaultWorkload, sessionCount: 64, inFlight: 4 },
  { ...defaultWorkload, sessionCount: 0 },
];
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
measureApply(openMemory, { ...defaultWorkload, commandCount: 20_000 }, 2); // warm-up
console.log(
  '| workload | commands per CPU second (median) | runs | commands per wall second (median) |\n|---|---|---|---|',
);
for (const workload of workloads) {
  console.log(describeRates(workloadLabel('MemoryKvStore', workload), measureApply(openMemory, workload, 5)));
}
