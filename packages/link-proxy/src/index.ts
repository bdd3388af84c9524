// @raftkv/link-proxy: per-link TCP proxies for peer traffic, so faults (cuts, one-way links,
// throttles) act outside the nodes' consensus code. Used by the chaos runs and the local cluster.
export { LinkProxy, type ThrottleShape, throttleShape } from './link-proxy.js';
export {
  bridge,
  cutBetween,
  isolate,
  type LinkKey,
  linkKey,
  oneWay,
  splitMajorityMinority,
} from './partitions.js';
export { PeerNetwork } from './peer-network.js';
export { TokenBucket } from './token-bucket.js';
