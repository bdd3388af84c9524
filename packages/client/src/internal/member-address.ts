// Reads a member's client address out of the opaque `address` raftkvd stores in the configuration
// (JSON {peer, client, http}). Tolerant: anything else yields null, never a throw.

export function clientAddressOf(address: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(address);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !('client' in value)) return null;
  const client = value.client;
  return typeof client === 'string' && client.startsWith('tcp://') ? client : null;
}
