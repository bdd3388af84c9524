// Messages between the bench's coordinator and its load processes (Node IPC). Declarations only.
import type { HistogramData } from './histogram.js';
import type { Workload } from './options.js';
import type { WireSecurity } from './server-cluster.js';
import type { KeySpace } from './workload.js';

export interface WorkerConfig {
  readonly type: 'config';
  readonly system: 'raftkv' | 'etcd';
  readonly endpoints: readonly string[];
  /** One client per endpoint, lane i on endpoint i mod n (else one client over all of them). */
  readonly spread: boolean;
  readonly security?: WireSecurity;
  readonly workload: Workload;
  /** This process's share of the requests in flight. */
  readonly inFlight: number;
  readonly space: KeySpace;
  /** Stop issuing once this process completed this many measured requests; null: no limit. */
  readonly requestLimit: number | null;
  readonly seed: number;
}

/** Coordinator → worker: begin the closed loop (warm-up), start measuring, stop and report. */
export type CoordinatorMessage = WorkerConfig | { readonly type: 'measure' } | { readonly type: 'stop' };

export interface WorkerResult {
  readonly type: 'result';
  readonly histogram: HistogramData;
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | null;
}

/** Worker → coordinator: the loop runs; the request limit was reached; the measured result. */
export type WorkerMessage = { readonly type: 'running' } | { readonly type: 'limit-reached' } | WorkerResult;
