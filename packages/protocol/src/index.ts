// Public API of @raftkv/protocol: wire schemas (zod) and the one msgpackr codec for peer and client frames.

export {
  type ClientRequestDecodeResult,
  type ClientResponseDecodeResult,
  clientErrorForDecodeError,
  decodeClientRequest,
  decodeClientResponse,
  encodeClientRequest,
  encodeClientResponse,
} from './client-frame.js';
export {
  type ClientError,
  type ClientErrorCode,
  type ClientRequest,
  type ClientRequestBody,
  type ClientRequestKind,
  type ClientResponse,
  type ClientResponseBody,
  type ClientResult,
  clientRequestSchema,
  clientResponseSchema,
  type NodeAlarm,
  type ReadConsistency,
  type RejectionReason,
  type RequestId,
} from './client-schemas.js';
export type { DecodeError, DecodeErrorCode } from './decode-result.js';
export { kvErrorCodes, kvResultSchema, memberAlarmSchema, memberAlarmsMax } from './kv-result-schema.js';
export {
  addressLengthMax,
  clientFrameBytesMax,
  clientProtocolVersion,
  entriesPerMessageMax,
  entryDataBytesMax,
  errorMessageLengthMax,
  frameBytesMax,
  membersPerConfigurationMax,
  messagesPerFrameMax,
  nodeIdBytesMax,
  nodeIdPattern,
  peerProtocolVersion,
  snapshotChunkBytesMax,
} from './limits.js';
export {
  decodePeerFrame,
  encodePeerFrame,
  type PeerFrame,
  type PeerFrameDecodeResult,
} from './peer-frame.js';
export {
  configurationSchema,
  entrySchema,
  memberSchema,
  messageSchema,
  nodeIdSchema,
  snapshotMetadataSchema,
} from './peer-schemas.js';
