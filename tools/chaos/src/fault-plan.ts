// The seeded fault schedule: which fault starts when and for how long, drawn from one seed before the
// run starts, so a printed seed names the schedule. Pure: no clock, no processes; the executor picks
// concrete targets (which node leads) at run time.
import { SeededRandom } from './seeded-random.js';

export const faultFamilies = ['kill', 'pause', 'partition', 'membership', 'gray'] as const;
export type FaultFamily = (typeof faultFamilies)[number];

export const faultKindsByFamily = {
  kill: ['kill-leader', 'kill-random', 'kill-minority', 'kill-all'],
  pause: ['pause-leader'],
  partition: ['isolate-leader', 'split-majority-minority', 'bridge', 'one-way-cut', 'flapping'],
  membership: ['add-node', 'remove-node', 'remove-leader'],
  gray: ['throttle-leader'],
} as const;
export type FaultKind = (typeof faultKindsByFamily)[FaultFamily][number];

export interface PlannedFault {
  readonly kind: FaultKind;
  readonly family: FaultFamily;
  /** When it starts, from the start of the run. */
  readonly atMs: number;
  /** How long the fault is held before it is healed (restart, SIGCONT, heal links). */
  readonly holdMs: number;
}

export interface FaultPlanOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly families: readonly FaultFamily[];
  readonly electionTimeoutMs: number;
  /** Fault-free time at the start (the "before" phase). */
  readonly warmupMs: number;
  /** Fault-free time between the end of one fault and the start of the next. */
  readonly quietMs: readonly [min: number, max: number];
}

/**
 * Cycles through the families in a shuffled order per round, so every family appears once before any
 * repeats; within a family the kinds also take turns. Membership alternates between adding a node
 * and removing one (a random node or the leader), so the cluster size stays at `nodes` or one above.
 */
export function planFaults(options: FaultPlanOptions): PlannedFault[] {
  const random = new SeededRandom(options.seed);
  const plan: PlannedFault[] = [];
  const turns = new Map<FaultFamily, number>();
  let extraMembers = 0;
  let atMs = options.warmupMs;
  let round: FaultFamily[] = [];
  for (;;) {
    if (round.length === 0) round = random.shuffle(options.families);
    const family = round.shift();
    if (family === undefined) return plan;
    const kind = nextKind(family, turns, extraMembers, random);
    if (family === 'membership') extraMembers = kind === 'add-node' ? extraMembers + 1 : extraMembers - 1;
    const holdMs = holdFor(kind, options.electionTimeoutMs, random);
    if (atMs + holdMs > options.durationMs) return plan;
    plan.push({ kind, family, atMs, holdMs });
    atMs += holdMs + random.between(options.quietMs[0], options.quietMs[1]);
  }
}

function nextKind(
  family: FaultFamily,
  turns: Map<FaultFamily, number>,
  extraMembers: number,
  random: SeededRandom,
): FaultKind {
  if (family === 'membership') {
    return extraMembers === 0 ? 'add-node' : random.pick(['remove-node', 'remove-leader'] as const);
  }
  const kinds: readonly FaultKind[] = faultKindsByFamily[family];
  const turn = turns.get(family) ?? random.between(0, kinds.length - 1);
  turns.set(family, turn + 1);
  return kinds[turn % kinds.length] as FaultKind;
}

/** A pause must outlast an election timeout (so the cluster elects another leader); kills and cuts
 *  last a few election timeouts; a membership change is one action (held only to let it settle);
 *  a throttle outlasts the window in which the report measures the recovery from it. */
function holdFor(kind: FaultKind, electionTimeoutMs: number, random: SeededRandom): number {
  switch (kind) {
    case 'pause-leader':
      return random.between(2 * electionTimeoutMs, 4 * electionTimeoutMs);
    case 'flapping':
      return random.between(4 * electionTimeoutMs, 6 * electionTimeoutMs);
    case 'throttle-leader':
      // Longer than the 3 election timeouts in which the report measures the recovery.
      return random.between(4 * electionTimeoutMs, 6 * electionTimeoutMs);
    case 'add-node':
    case 'remove-node':
    case 'remove-leader':
      return 2 * electionTimeoutMs;
    default:
      return random.between(2 * electionTimeoutMs, 4 * electionTimeoutMs);
  }
}

/** Parses `--faults all` or a comma list of families; null when a name is unknown. */
export function parseFaultFamilies(text: string): FaultFamily[] | null {
  if (text.trim() === 'all') return [...faultFamilies];
  const names = text.split(',').map((name) => name.trim());
  const known = names.filter((name): name is FaultFamily =>
    (faultFamilies as readonly string[]).includes(name),
  );
  return known.length === names.length && known.length > 0 ? [...new Set(known)] : null;
}
