// Public API of @raftkv/transport-zmq: the ZeroMQ peer transport, client endpoint and client socket.

export {
  ClientEndpoint,
  type ClientEndpointCounters,
  type ClientEndpointOptions,
  type ClientEndpointSecurity,
  type ClientReply,
} from './client-endpoint.js';
export {
  type ClientExchange,
  ClientSocket,
  type ClientSocketCounters,
  type ClientSocketErrorCode,
} from './client-socket.js';
export {
  type ConnectionRefusal,
  type CurveKeyPair,
  generateCurveKeyPair,
  isCurveKey,
  z85Encode,
} from './curve.js';
export {
  clientFramesPerMessageMax,
  clientMessageBytesMax,
  clientReplyQueueBytesMax,
  clientReplyQueueFramesMax,
  clientRequestQueueBytesMax,
  clientRequestQueueFramesMax,
  heartbeatIntervalMs,
  heartbeatTimeoutMs,
  peerSendQueueBytesMax,
  peerSendQueueFramesMax,
  peerSocketHighWaterMarkFrames,
  receiveFramesPerTurnMax,
  reconnectIntervalMaxMs,
  reconnectIntervalMs,
  socketLingerMs,
} from './limits.js';
export {
  type PeerEndpoint,
  type PeerSecurity,
  PeerTransport,
  type PeerTransportCounters,
  type PeerTransportOptions,
} from './peer-transport.js';
