/**
 * The one place that knows bytes on the wire: magic and Hello, length-prefixed frames with a
 * limit per type, MessagePack control messages validated against their schemas, and
 * request/response correlation by `rid`. Used by tracker and peer alike.
 *
 * @module
 */
export { decodeMessage, encodeMessage, encodeResult, shareEncoding } from "./codec.ts";
export {
  acceptConnection,
  closeQuietly,
  HELLO_TIMEOUT_MS,
  type HelloCheck,
  type HelloOptions,
  openConnection,
  refuseConnection,
  RemoteError,
  WireConnection,
} from "./connection.ts";
export {
  type ByteSource,
  checkFrameHeader,
  encodeFrame,
  type Frame,
  FrameReader,
} from "./frame.ts";
export {
  CONTROL_FRAME_LIMIT_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_LIMIT_BYTES,
  FrameType,
  MAGIC,
  MAX_PAGE_ITEMS,
  MAX_QUEUED_REQUESTS,
  NOISE_AESGCM_MAGIC,
  NOISE_MAGIC,
  PROTOCOL_VERSION,
  SeederRefusal,
  UNENCRYPTED_BENCH_MAGIC,
  WireErrorCode,
} from "./limits.ts";
export * from "./messages.ts";
export {
  ConnectionLostError,
  decodeRequest,
  type RequestHandler,
  type RequestOptions,
  RpcClient,
  type ServeOptions,
  serveRequests,
  type ValidRequest,
} from "./rpc.ts";
export {
  type ByteConn,
  CIPHER_MAGIC,
  isUnencryptedBench,
  secureAccept,
  type SecureAcceptOptions,
  SecureConn,
  secureConnect,
  type SecureConnectOptions,
  UNENCRYPTED_BENCH_ENV,
} from "./secure_conn.ts";
export {
  createTransportIdentity,
  type IdentityKeys,
  type TransportIdentity,
} from "./transport_identity.ts";
export { type DhKeyPair, type NoiseCipher, preferredCipher } from "./noise.ts";
export * from "./peer_frames.ts";
export * from "./repl_frames.ts";
// Types that the exports above name: exported, so their documentation is complete.
export type { Address } from "../common/address.ts";
export type { Infer, Issue, Parsed, Schema, SchemaError } from "../common/schema.ts";
