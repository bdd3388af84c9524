// A scripted stand-in for a raftkvd node in client tests: a real ClientEndpoint (transport-zmq) on
// 127.0.0.1 with an OS-assigned port that records every request and answers as the script says.
import { createServer } from 'node:net';
import type { KvResult } from '@raftkv/kv';
import type { ClientRequest, ClientResponseBody } from '@raftkv/protocol';
import { ClientEndpoint, type ClientEndpointSecurity } from '@raftkv/transport-zmq';

/** What the script returns for a request: an answer, or 'silence' to never answer it. */
export type Script = (request: ClientRequest, node: FakeNode) => ClientResponseBody | 'silence';

export class FakeNode {
  readonly requests: ClientRequest[] = [];
  private endpoint: ClientEndpoint | null = null;

  private constructor(public script: Script) {}

  /** With `security`, the node speaks CURVE and admits only its allow-listed client keys. */
  static async start(script: Script, security?: ClientEndpointSecurity): Promise<FakeNode> {
    const node = new FakeNode(script);
    node.endpoint = await ClientEndpoint.bind({
      ...(security === undefined ? {} : { security }),
      bindAddress: 'tcp://127.0.0.1:*',
      onRequest: (request, reply) => {
        node.requests.push(request);
        const answer = node.script(request, node);
        if (answer !== 'silence') reply(answer);
      },
    });
    return node;
  }

  get address(): string {
    return this.endpoint!.address;
  }

  /** The requests of one kind, in arrival order. */
  requestsOf<K extends ClientRequest['kind']>(kind: K): Extract<ClientRequest, { kind: K }>[] {
    return this.requests.filter(
      (request): request is Extract<ClientRequest, { kind: K }> => request.kind === kind,
    );
  }

  close(): void {
    this.endpoint?.close();
  }
}

/** A tcp:// address nothing listens on: a port the OS handed out and that was released again. */
export async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return `tcp://127.0.0.1:${address.port}`;
}

const encoder = new TextEncoder();

export function keyValue(key: string, value: string, revision = 1) {
  return {
    key: encoder.encode(key),
    value: encoder.encode(value),
    createRevision: revision,
    modRevision: revision,
    version: 1,
  };
}

export const okCommand = (result: KvResult, index = 5): ClientResponseBody => ({
  ok: true,
  result: { kind: 'command', index, result },
});

export const okRead = (result: KvResult, index = 5): ClientResponseBody => ({
  ok: true,
  result: { kind: 'read', index, result },
});

export const putApplied: ClientResponseBody = okCommand({
  ok: true,
  revision: 7,
  result: { type: 'put', previous: null },
});

export const notLeader = (leaderClientAddress: string | null): ClientResponseBody => ({
  ok: false,
  error: {
    code: 'not-leader',
    leaderId: null,
    leaderClientAddress,
    message: 'this node is a follower',
  },
});
