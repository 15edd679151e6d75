/**
 * The peer's side of the control protocol: the tracker client (session token, request ids,
 * deadlines, failover across tracker_info.txt in order), the connector that keeps at most one
 * tracker connection, session renewal at half-life, and the presence heartbeat. It owns the
 * {@linkcode TrackerApi} and {@linkcode Session} types that sharing, downloads and the shell
 * call. It imports lib/common, lib/wire and peer/support only.
 *
 * @module
 */
export {
  CONNECT_TIMEOUT_MS,
  type EventSink,
  REQUEST_TIMEOUT_MS,
  type Session,
  type TrackerApi,
} from "./api.ts";
export { PresenceLoop, type PresenceOptions } from "./presence.ts";
export { RenewTimer, type RenewTimerOptions } from "./renew.ts";
export { TrackerClient, type TrackerClientOptions } from "./tracker_client.ts";
export { TrackerConnector, type TrackerConnectorOptions } from "./tracker_connector.ts";
