// What a run needs from a cluster under test, whichever system it is: client endpoints, the member
// processes to measure, and how to stop it. Declarations only.

export interface ServerMember {
  readonly id: string;
  readonly pid: number;
}

export interface ServerCluster {
  readonly system: 'raftkv' | 'etcd';
  /** raftkv: tcp:// client addresses; etcd: http:// client URLs. */
  readonly endpoints: readonly string[];
  readonly members: readonly ServerMember[];
  /** Stops what the bench started (nothing for a cluster it did not start). */
  stop(): Promise<void>;
}
