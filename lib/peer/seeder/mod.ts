/**
 * The seeder server: other peers connect here to download. It owns the sessions (CHALLENGE →
 * HANDSHAKE with the ticket checked before any byte of the file, then BITFIELD, REQUEST/PIECE),
 * the registry of what this peer serves ({@linkcode ServedFiles}: complete files and the verified
 * pieces of downloads), and the trackers' ticket keys. It imports lib/common, lib/wire and
 * peer/support only.
 *
 * @module
 */
export { type PieceSource, ServedFiles } from "./served_files.ts";
export { MAX_SEEDER_CONNECTIONS, type SeederOptions, SeederServer } from "./server.ts";
export { TrackerKeys, type TrackerKeysOptions } from "./tracker_keys.ts";
