// The per-link TCP proxy: forwards bytes untouched while healed, drops open and new connections
// while cut, forwards again after healing, and shapes the sender's bytes while throttled.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkProxy, throttleShape } from '../src/link-proxy.js';

let echo: Server;
let echoPort = 0;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  echoPort = address.port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.length >= text.length) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before the echo')));
  });
}

describe('LinkProxy', () => {
  it('forwards bytes while healed, refuses while cut, forwards again after heal', async () => {
    const proxy = await LinkProxy.open(() => echoPort);
    try {
      expect(await roundTrip(proxy.port, 'hello')).toBe('hello');
      proxy.setCut(true);
      await expect(roundTrip(proxy.port, 'lost')).rejects.toThrow();
      expect(proxy.droppedConnections).toBeGreaterThan(0);
      proxy.setCut(false);
      expect(await roundTrip(proxy.port, 'again')).toBe('again');
    } finally {
      await proxy.close();
    }
  });

  it('cutting drops a connection that is already open', async () => {
    const proxy = await LinkProxy.open(() => echoPort);
    try {
      const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write('x');
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      proxy.setCut(true);
      await closed;
      expect(proxy.isCut).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('while throttled delivers every byte in order, no faster than the rate allows', async () => {
    const proxy = await LinkProxy.open(() => echoPort);
    try {
      // 64 kbit/s = 8000 B/s with a 1500 B burst: 6000 bytes need at least (6000 - 1500) / 8000 s.
      proxy.setThrottle(throttleShape(64));
      const text = 'abcdefghij'.repeat(600);
      const started = performance.now();
      expect(await roundTrip(proxy.port, text)).toBe(text);
      expect(performance.now() - started).toBeGreaterThanOrEqual(500);
      proxy.setThrottle(null);
      expect(proxy.isThrottled).toBe(false);
      expect(await roundTrip(proxy.port, 'fast again')).toBe('fast again');
      expect(proxy.throttleDrops).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('drops the connection when more than the queue limit waits on a throttled link', async () => {
    const proxy = await LinkProxy.open(() => echoPort);
    try {
      // 8 kbit/s = 1000 B/s: the queue holds 2000 bytes; 64 KiB at once overflows it.
      proxy.setThrottle(throttleShape(8));
      await expect(roundTrip(proxy.port, 'x'.repeat(64 * 1024))).rejects.toThrow();
      expect(proxy.throttleDrops).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
