// The named bounds and socket timings of the ZeroMQ adapters. Constants only, no logic.

/** Frames waiting to be handed to one peer's socket; beyond this new frames are dropped and counted. */
export const peerSendQueueFramesMax = 1024;
/** Bytes waiting to be handed to one peer's socket; beyond this new frames are dropped and counted. */
export const peerSendQueueBytesMax = 32 * 1024 * 1024;
/** Frames ZeroMQ itself may hold for one peer (ZMQ_SNDHWM); beyond it a send fails fast (dropped). */
export const peerSocketHighWaterMarkFrames = 1024;
/** Replies waiting to be handed to the client endpoint's socket. */
export const clientReplyQueueFramesMax = 4096;
export const clientReplyQueueBytesMax = 64 * 1024 * 1024;
/** Requests waiting to be handed to a client socket. */
export const clientRequestQueueFramesMax = 4096;
export const clientRequestQueueBytesMax = 64 * 1024 * 1024;
/**
 * Most request (or reply) frames coalesced into one multipart ZeroMQ message. The endpoint answers a
 * message with more request parts than this with one bad-request and serves none of them.
 */
export const clientFramesPerMessageMax = 256;
/** Most frame bytes coalesced into one message; a single larger frame (≤ clientFrameBytesMax) goes alone. */
export const clientMessageBytesMax = 1024 * 1024;
/** How long close() lets ZeroMQ flush frames already queued (ZMQ_LINGER), so close stays prompt. */
export const socketLingerMs = 100;
/** Reconnect backoff (ZMQ_RECONNECT_IVL, ZMQ_RECONNECT_IVL_MAX). */
export const reconnectIntervalMs = 100;
export const reconnectIntervalMaxMs = 1000;
/** ZMTP heartbeats detect a silent peer (paused process, dropped link) so the socket reconnects. */
export const heartbeatIntervalMs = 1000;
export const heartbeatTimeoutMs = 5000;
/**
 * After this many received frames in a row the receive loop yields, so timers and I/O still run. A
 * frame is one request or reply part of a multipart message (or one peer frame).
 */
export const receiveFramesPerTurnMax = 256;
