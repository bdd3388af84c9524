// Parses and normalises the three kinds of network address raftkvd binds and advertises: ZeroMQ
// tcp://host:port (peer and client endpoints) and http://host:port (HTTP API). Pure; no I/O.

/** A host (name, IPv4 or [IPv6]) and a port; port 0 asks the OS for a free one when binding. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const hostPattern = String.raw`(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\*)`;
const tcpPattern = new RegExp(`^tcp://${hostPattern}:(\\d{1,5}|\\*)$`);
const httpPattern = new RegExp(`^(?:http://)?${hostPattern}:(\\d{1,5})/?$`);
const wildcardHosts = new Set(['0.0.0.0', '[::]', '*']);

/** 'tcp://host:port' → HostPort, or null. `*` as the port means 0 (OS-assigned). */
export function parseTcpAddress(text: string): HostPort | null {
  return hostPortFrom(tcpPattern.exec(text));
}

/** 'http://host:port' or 'host:port' → HostPort, or null. */
export function parseHttpAddress(text: string): HostPort | null {
  return hostPortFrom(httpPattern.exec(text));
}

export function formatTcpAddress(address: HostPort): string {
  return `tcp://${address.host}:${address.port}`;
}

export function formatHttpAddress(address: HostPort): string {
  return `http://${address.host}:${address.port}`;
}

/** ZeroMQ binds an OS-assigned port with `*`, not 0. */
export function zmqBindAddress(address: HostPort): string {
  return `tcp://${address.host}:${address.port === 0 ? '*' : address.port}`;
}

/** node:http wants the host without IPv6 brackets. */
export function listenHost(address: HostPort): string {
  return address.host.startsWith('[') ? address.host.slice(1, -1) : address.host;
}

/** Whether others can reach this address as written: a concrete host and port. */
export function isAdvertisable(address: HostPort): boolean {
  return address.port !== 0 && !wildcardHosts.has(address.host);
}

/** Whether `bound` is what was asked for: same host, and same port unless port 0 was asked for. */
export function matchesRequested(requested: HostPort, bound: HostPort): boolean {
  return requested.host === bound.host && (requested.port === 0 || requested.port === bound.port);
}

function hostPortFrom(match: RegExpExecArray | null): HostPort | null {
  if (match === null) return null;
  const host = match[1]!;
  const portText = match[2]!;
  const port = portText === '*' ? 0 : Number(portText);
  if (port > 65_535) return null;
  return { host: host === '*' ? '0.0.0.0' : host, port };
}
