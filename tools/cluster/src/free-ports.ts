// Chooses TCP ports for a local cluster: asks the OS for free ones (bind port 0, read back, release),
// or counts up from a base port, skipping any that cannot be bound right now. A port can still be
// taken between the check and raftkvd's bind; raftkvd then fails loudly and the launcher reports it.
import { createServer } from 'node:net';

export async function freePorts(count: number, host: string, basePort: number | null): Promise<number[]> {
  const ports: number[] = [];
  if (basePort === null) {
    while (ports.length < count) {
      const port = await tryBind(host, 0);
      if (port !== null && !ports.includes(port)) ports.push(port);
    }
    return ports;
  }
  for (let port = basePort; ports.length < count; port += 1) {
    if (port > 65_535) throw new Error(`not enough free ports from ${basePort}`);
    if ((await tryBind(host, port)) !== null) ports.push(port);
  }
  return ports;
}

function tryBind(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}
