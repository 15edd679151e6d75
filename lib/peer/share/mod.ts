/**
 * What this peer shares: upload_file (hash piece by piece, stage hashes, register), the complete
 * files it serves (a {@linkcode FileSource} checks size and modification time before each read),
 * shares.json, and sharing again at login without re-hashing. It imports lib/common, lib/wire,
 * peer/support, peer/client (the tracker API) and peer/seeder (what is served).
 *
 * @module
 */
export { FileSource, type FileSourceOptions } from "./file_source.ts";
export { type ReshareReport, shareAgain } from "./reshare.ts";
export { type ShareRecord, SHARES_FILE, ShareStore } from "./share_store.ts";
export { type FinishedFile, type ShareStatus, Sharing } from "./sharing.ts";
export { hashForShare, registerFile, shareNameOf } from "./uploader.ts";
