// What raftkvd's GET /status answers (the fields harnesses read), and one bounded fetch of it.
// Reads only; never changes a node.

export interface HttpStatus {
  readonly id: string;
  readonly role: 'follower' | 'preCandidate' | 'candidate' | 'leader';
  readonly term: number;
  readonly leader: {
    readonly id: string;
    readonly client: string | null;
    readonly http: string | null;
  } | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly members: readonly { readonly id: string; readonly role: 'voter' | 'learner' }[];
}

/**
 * GET `${httpUrl}/status`, with `token` as the bearer token when the node asks for one (raftkvd
 * --http-tokens-file); rejects on a non-200 answer or after `timeoutMs`.
 */
export async function fetchStatus(
  httpUrl: string,
  timeoutMs = 2000,
  token: string | null = null,
): Promise<HttpStatus> {
  const response = await fetch(`${httpUrl}/status`, {
    signal: AbortSignal.timeout(timeoutMs),
    ...(token === null ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });
  if (!response.ok) throw new Error(`${httpUrl}/status answered ${response.status}`);
  return (await response.json()) as HttpStatus;
}
