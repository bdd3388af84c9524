// Whether every member ended in the same state: waits until all report the same applied index, then
// reads each one's whole key space locally (serializable reads, answered from that node's own
// applied state) and compares them. Reads only.
import { createHash } from 'node:crypto';
import { KvClient } from '@raftkv/client';
import { pause } from '@raftkv/testkit';
import type { ChaosCluster } from './chaos-cluster.js';
import type { ConvergenceSummary } from './report.js';

const decoder = new TextDecoder();

export async function checkConvergence(
  cluster: ChaosCluster,
  keyPrefix: string,
  timeoutMs: number,
): Promise<ConvergenceSummary> {
  const ids = cluster.memberIds();
  const deadline = Date.now() + timeoutMs;
  let applied = new Map<string, number | null>();
  for (;;) {
    applied = new Map(
      await Promise.all(
        ids.map(
          async (id) => [id, (await cluster.status(id).catch(() => null))?.appliedIndex ?? null] as const,
        ),
      ),
    );
    const values = new Set(applied.values());
    if ((values.size === 1 && !values.has(null)) || Date.now() > deadline) break;
    await pause(200);
  }
  const nodes = await Promise.all(
    ids.map(async (id) => ({
      id,
      appliedIndex: applied.get(id) ?? null,
      digest: await digestOf(cluster.clientAddress(id), keyPrefix),
    })),
  );
  const digests = new Set(nodes.map((node) => node.digest));
  const indexes = new Set(nodes.map((node) => node.appliedIndex));
  const converged =
    digests.size === 1 &&
    indexes.size === 1 &&
    !indexes.has(null) &&
    !nodes[0]?.digest.startsWith('unreadable');
  const detail = converged
    ? `${nodes.length} members at applied index ${nodes[0]?.appliedIndex}, identical key space (${nodes[0]?.digest})`
    : nodes.map((node) => `${node.id}@${node.appliedIndex ?? '?'}=${node.digest}`).join(', ');
  return { converged, nodes, detail };
}

/** A short hash of every (key, value, modRevision) the node holds under the prefix, plus how many. */
async function digestOf(clientAddress: string, prefix: string): Promise<string> {
  const client = new KvClient({ endpoints: [clientAddress], consistency: 'serializable', timeoutMs: 5000 });
  try {
    const range = await client.range({ prefix, limit: 1000 });
    const text = JSON.stringify(
      range.keyValues.map((pair) => [decoder.decode(pair.key), decoder.decode(pair.value), pair.modRevision]),
    );
    return `${range.keyValues.length} keys #${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  } catch (error) {
    return `unreadable (${(error as Error).message})`;
  } finally {
    client.close();
  }
}
