// What a run needs from a cluster under test, whichever system it is: client endpoints, the member
// processes to measure, and how to stop it. Declarations only.

export interface ServerMember {
  readonly id: string;
  readonly pid: number;
}

/** ClientSecurity in a form that crosses Node IPC (a Map does not). */
export interface WireSecurity {
  readonly keyPair: { readonly publicKey: string; readonly secretKey: string };
  readonly serverKeys: ReadonlyArray<readonly [string, string]>;
}

export interface ServerCluster {
  readonly system: 'raftkv' | 'etcd';
  /** raftkv: tcp:// client addresses; etcd: http:// client URLs. */
  readonly endpoints: readonly string[];
  readonly members: readonly ServerMember[];
  /** raftkv with CURVE: the client's key pair and each node's public key by client address. */
  readonly security?: WireSecurity;
  /** Stops what the bench started (nothing for a cluster it did not start). */
  stop(): Promise<void>;
}
