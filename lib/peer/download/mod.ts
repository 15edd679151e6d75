/**
 * The downloads of this peer, as a manager: download_file (the tracker's plan for a file, the
 * destination, a record in downloads.json), show_downloads, pause, resume and cancel, what
 * happens when one finishes (it is shared as a complete file), and the events a download reports.
 * It starts engines through an injected factory, so it never needs the engine's code, only its
 * types, and adapts the tracker client into the engine's {@linkcode TrackerSwarm}. It imports
 * lib/common, lib/wire, peer/support, peer/client, peer/engine (types), peer/seeder and
 * peer/share.
 *
 * @module
 */
export { type DownloadRecord, DOWNLOADS_FILE, DownloadStore } from "./download_store.ts";
export { Downloads, type DownloadsOptions, idleStatus, type StartOutcome } from "./manager.ts";
export { type EngineFactory, RunningDownloads } from "./runs.ts";
export { TrackerSwarm } from "./tracker_swarm.ts";
