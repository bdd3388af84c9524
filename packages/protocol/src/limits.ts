// The named bounds of the wire protocol: every decoded frame is checked against these. Constants
// only, no logic. Changing one changes what nodes accept from each other, so keep them in step.

/** Peer frames carry this version; a frame with any other version is refused, not guessed at. */
export const peerProtocolVersion = 1;
/** Client request and response frames carry this version. */
export const clientProtocolVersion = 1;

/** Largest encoded peer frame. Checked before any decoding work. */
export const frameBytesMax = 16 * 1024 * 1024;
/** Largest encoded client request or response frame. */
export const clientFrameBytesMax = 4 * 1024 * 1024;
/** Most messages in one peer frame; the transport splits larger batches into several frames. */
export const messagesPerFrameMax = 4096;
/**
 * Most entries in one AppendEntries. The core limits a message by bytes (maxMessageEntriesBytes,
 * default 1 MiB) and counts at least 24 bytes per entry, so the default config stays below 43,691.
 */
export const entriesPerMessageMax = 65_536;
/** Largest command entry payload. */
export const entryDataBytesMax = 8 * 1024 * 1024;
/** Largest InstallSnapshot chunk (the core's snapshotChunkBytes defaults to 1 MiB). */
export const snapshotChunkBytesMax = 8 * 1024 * 1024;
/** Most members (voters and learners) in one configuration. */
export const membersPerConfigurationMax = 256;
/** Longest node id. Ids are ASCII (see nodeIdPattern), so characters and bytes coincide. */
export const nodeIdBytesMax = 64;
/**
 * A node id: ASCII letters, digits, '.', '_', '-', starting with a letter or digit. ZeroMQ uses the
 * id as a routing id, which must be 1-255 bytes and must not start with a zero byte.
 */
export const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Longest member address (an opaque string such as "tcp://10.0.0.1:7001"), in characters. */
export const addressLengthMax = 256;
/** Longest free-text error message in a client response, in characters. */
export const errorMessageLengthMax = 1024;
