// What raftkvd warns about at start when it leaves a door open: plaintext sockets (always when bound
// beyond loopback) and, on a node with keys, an HTTP API that takes no token.
import { formatTcpAddress, type HostPort } from './addresses.js';
import type { Logger } from './logger.js';

/**
 * Plaintext: a warning on every start without --insecure, and always when a socket is bound beyond
 * loopback, where anyone who reaches the port can read and write every key.
 */
export function warnInsecure(
  logger: Logger,
  id: string,
  insecure: boolean,
  bound: readonly HostPort[],
): void {
  const exposed = bound.filter((address) => !isLoopbackHost(address.host)).map(formatTcpAddress);
  if (exposed.length > 0) {
    logger.warn(
      { exposed },
      `${id} binds ${exposed.join(', ')} without encryption or authentication: anyone who reaches them can read and write every key (use --key-file)`,
    );
  } else if (!insecure) {
    logger.warn(
      `${id} runs without encryption or authentication (no --key-file); pass --insecure to say so on purpose`,
    );
  }
}

/** A secure node whose HTTP API takes no token: anyone who reaches it can read, write and join. */
export function warnOpenHttp(logger: Logger, id: string, http: HostPort): void {
  const exposed = isLoopbackHost(http.host) ? '' : `, bound beyond loopback at ${formatTcpAddress(http)},`;
  logger.warn(
    { http: formatTcpAddress(http) },
    `${id}'s HTTP API${exposed} takes no token (no --http-tokens-file): whoever reaches it can read and write every key`,
  );
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
