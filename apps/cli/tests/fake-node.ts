// A scripted stand-in for a raftkvd node in CLI tests: a real ClientEndpoint (transport-zmq) on
// 127.0.0.1 with an OS-assigned port, recording requests and answering as the script says.
import type { ClientRequest, ClientResponseBody } from '@raftkv/protocol';
import { ClientEndpoint } from '@raftkv/transport-zmq';

export type Script = (request: ClientRequest) => ClientResponseBody | 'silence';

export class FakeNode {
  readonly requests: ClientRequest[] = [];

  private endpoint: ClientEndpoint | null = null;

  static async start(script: Script): Promise<FakeNode> {
    const node = new FakeNode();
    node.endpoint = await ClientEndpoint.bind({
      bindAddress: 'tcp://127.0.0.1:*',
      onRequest: (request, reply) => {
        node.requests.push(request);
        const answer = script(request);
        if (answer !== 'silence') reply(answer);
      },
    });
    return node;
  }

  get address(): string {
    return this.endpoint!.address;
  }

  close(): void {
    this.endpoint?.close();
  }
}

const encoder = new TextEncoder();

export function keyValue(key: string, value: string, version = 1) {
  return {
    key: encoder.encode(key),
    value: encoder.encode(value),
    createRevision: 2,
    modRevision: 3,
    version,
  };
}
