// Polls the cluster until `id` reports itself leader, within a bounded time. Used after a leadership
// transfer, which the leader only accepts (thesis §3.10); it does not wait for the outcome itself.
import { type KvClient, KvClientError, timeoutMsDefault } from '@raftkv/client';

const pollIntervalMs = 50;

export async function waitForLeader(
  client: KvClient,
  id: string,
  timeoutMs = timeoutMsDefault,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await client.members({ timeoutMs: Math.max(1, deadline - Date.now()) })).leaderId === id)
        return true;
    } catch (error) {
      if (!(error instanceof KvClientError)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  return false;
}
