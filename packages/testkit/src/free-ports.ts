// Asks the OS for free TCP ports on 127.0.0.1: listen on port 0, read the port, close. All ports of
// one call are held open together so they are distinct; ports of SEPARATE calls may repeat (the OS
// hands a released port out again), so take every port a cluster needs in one call. Never
// hard-codes a port.
import { createServer, type Server } from 'node:net';

export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('the OS assigned no port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
