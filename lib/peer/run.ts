/**
 * The peer process: builds every part from a {@linkcode PeerConfig} (state folder lock,
 * identity, seeder server, tracker client, shares, downloads, shell), runs the shell on stdin,
 * and shuts down in order at the end of input or on SIGINT/SIGTERM.
 */
import process from "node:process";
import { formatAddress } from "../common/address.ts";
import { raceAbort } from "../common/async.ts";
import { readTrackerInfo } from "../common/config.ts";
import { FolderLock } from "../common/lock.ts";
import { describeError } from "../common/errors.ts";
import { Logger, type LogSink, stderrSink } from "../common/logger.ts";
import { RateLimiter } from "../common/rate.ts";
import { exportPublicKey } from "../common/tickets.ts";
import { createTransportIdentity, type TransportIdentity } from "../wire/transport_identity.ts";
import type { PeerConfig } from "./args.ts";
import { toCommandError } from "./support/codes.ts";
import { COMMANDS } from "./shell/commands.ts";
import { Download } from "./engine/download.ts";
import { DownloadStore } from "./download/download_store.ts";
import { Downloads } from "./download/manager.ts";
import { FileHandles } from "./support/file_handles.ts";
import { loadOrCreateIdentity, type PeerIdentity } from "./identity.ts";
import { Output } from "./shell/output.ts";
import { percentOf, plural } from "./shell/format.ts";
import { progressFields, progressLine } from "./shell/progress.ts";
import { PeerApp } from "./peer_app.ts";
import { startDashboard } from "./dashboard.ts";
import { SeederServer } from "./seeder/server.ts";
import { ServedFiles } from "./seeder/served_files.ts";
import { ShareStore } from "./share/share_store.ts";
import { Sharing } from "./share/sharing.ts";
import { Shell } from "./shell/shell.ts";
import { TrackerClient } from "./client/tracker_client.ts";
import { KNOWN_TRACKERS_FILE, KnownTrackers } from "./client/known_trackers.ts";
import { TrackerKeys } from "./seeder/tracker_keys.ts";

/** After SIGINT or SIGTERM, how long logging out may take before the peer exits anyway. */
export const STOP_LOGOUT_TIMEOUT_MS = 2_000;
/** How long sharing a finished download may take (it normally needs no hashing). */
const ADOPT_TIMEOUT_MS = 60_000;
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
/** Every line the peer prints about its own start-up or a crash begins with this. */
export const PEER_ERROR_PREFIX = "peer: ";

/**
 * A bug in a background task must not print a stack trace or end the shell: one line instead,
 * `peer: unexpected error: …`, like the start-up errors.
 *
 * @returns a function that removes the listeners
 */
export function reportUncaught(sink: LogSink = stderrSink): () => void {
  const line = (error: unknown) =>
    sink(`${PEER_ERROR_PREFIX}unexpected error: ${describeError(error)}`);
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    line(event.reason);
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    line(event.error);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  return () => {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  };
}

/**
 * Run a peer until its input ends, `quit`, SIGINT or SIGTERM: lock the state folder, load or
 * make the identity, start the seeder, print the bound address, then run the shell on stdin.
 * At the end of input it waits for running downloads to finish or fail; then it pauses what is
 * left, logs out if logged in, and closes everything.
 *
 * @throws {Error} with one line to print, when start-up fails (folder in use, no permission…)
 */
export async function runPeer(config: PeerConfig): Promise<void> {
  const logger = new Logger("peer");
  const output = new Output({ isJson: config.isJson });
  const trackers = config.trackers ?? await readTrackerInfo(config.trackerInfoPath);
  const isNewFolder = await isMissing(config.stateDir);
  using _lock = await FolderLock.acquire(config.stateDir);
  const identity = await loadOrCreateIdentity(config.stateDir);
  const { peerId } = identity;
  const transport = await createTransportIdentity({
    privateKey: identity.keyPair.privateKey,
    publicKey: await exportPublicKey(identity.keyPair.publicKey),
  });
  let app: PeerApp | null = null;
  const pins = await KnownTrackers.open(`${config.stateDir}/${KNOWN_TRACKERS_FILE}`);
  await using client = new TrackerClient(trackers, {
    peerId,
    transport,
    pins,
    requestTimeoutMs: config.requestTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    logger: logger.child("tracker"),
    onEvent: (name, fields, text) => {
      output.event(name, fields, text);
      if (name === "session_lost") void app?.onSessionLost();
    },
  });
  const served = new ServedFiles();
  await using seeder = await listenOrCleanUp(
    config.stateDir,
    isNewFolder,
    () =>
      SeederServer.listen(config.listen, {
        peerId,
        transport,
        logger: logger.child("seeder"),
        served,
        trackerKeys: trackerKeysOf(client, logger),
        ...limiterOption("uploadLimiter", config.uploadLimit),
        uploadSlots: config.uploadSlots,
        isSuperSeeding: config.isSuperSeeding,
      }),
  );
  const address = formatAddress(seeder.address);
  output.event("listening", { address, peerId }, `Peer ${peerId} listening on ${address}`);
  await using handles = new FileHandles();
  const closing = new AbortController();
  const listenPort = seeder.address.port;
  const parts = {
    client,
    served,
    identity,
    transport,
    output,
    logger,
    handles,
    closing,
    listenPort,
  };
  app = await openApp(config, parts);
  const shell = new Shell({
    input: process.stdin,
    output,
    // With --json the prompt and line editing go to stderr, so stdout stays JSON lines only.
    ...(Deno.stdin.isTerminal()
      ? { terminal: config.isJson ? process.stderr : process.stdout }
      : {}),
    commands: COMMANDS,
    tracker: client,
    listenPort,
    services: app,
    progressIntervalMs: config.progressIntervalMs,
  });
  await using _dashboard = config.web
    ? startDashboard(config.web, { shell, app, client, output })
    : null;
  await runShell(shell, { app, client, output, logger, config, closing });
}

/** With --json, a download_progress event per running download every `intervalMs`. */
function reportProgress(app: PeerApp, output: Output, intervalMs: number): () => void {
  if (!output.isJson || intervalMs <= 0) return () => {};
  const timer = setInterval(() => {
    for (const status of app.downloads()) {
      if (status.state !== "D") continue;
      output.event("download_progress", progressFields(status), progressLine(status));
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

/**
 * At the end of input or quit, before waiting for the running downloads: say which ones, and
 * how not to wait.
 */
function announceWait(app: PeerApp, output: Output): void {
  const running = app.downloads().filter((status) => status.state === "D");
  if (running.length === 0) return;
  const count = running.length;
  const list = running.map((s) => `${s.id} [${s.group}] ${s.file} ${percentOf(s)}%`).join(", ");
  output.event(
    "waiting_for_downloads",
    { ids: running.map((status) => status.id) },
    `Waiting for ${count} ${plural(count, "download")} to finish before logging out: ${list}. ` +
      `Press Ctrl-C to stop now (${count === 1 ? "it pauses" : "they pause"} and ` +
      `${count === 1 ? "continues" : "continue"} at the next login); next time, ` +
      `pause_download <id> before quit`,
  );
}

/** Run the shell, then end as DESIGN.md says: wait for downloads, pause the rest, log out. */
async function runShell(
  shell: Shell,
  context: {
    app: PeerApp;
    client: TrackerClient;
    output: Output;
    logger: Logger;
    config: PeerConfig;
    closing: AbortController;
  },
): Promise<void> {
  const { app, client, output, logger, config, closing } = context;
  const removeSignals = onStopSignal(() => shell.stop());
  const stopProgress = reportProgress(app, output, config.progressIntervalMs);
  try {
    await shell.run();
    if (!shell.isStopped) {
      announceWait(app, output);
      await untilAborted(app.waitForDownloads(), shell.stopSignal);
    }
    stopProgress();
    closing.abort();
    await app.close();
    // At the end of input there is time to log out properly; after a signal, be quick.
    const timeoutMs = shell.isStopped ? STOP_LOGOUT_TIMEOUT_MS : config.requestTimeoutMs;
    await logOutAtExit(client, { output, logger, timeoutMs });
    if (shell.isDone) output.note("Bye");
  } finally {
    stopProgress();
    closing.abort();
    removeSignals();
  }
}

interface AppParts {
  client: TrackerClient;
  served: ServedFiles;
  identity: PeerIdentity;
  transport: TransportIdentity;
  output: Output;
  logger: Logger;
  handles: FileHandles;
  closing: AbortController;
  listenPort: number;
}

/** Sharing, downloads and presence, over the state folder's records. */
async function openApp(config: PeerConfig, parts: AppParts): Promise<PeerApp> {
  const { client, served, identity, transport, output, logger, handles, closing, listenPort } =
    parts;
  const onEvent = output.event.bind(output);
  const [shareStore, downloadStore] = await Promise.all([
    ShareStore.open(config.stateDir),
    DownloadStore.open(config.stateDir),
  ]);
  const sharing = new Sharing({
    tracker: client,
    store: shareStore,
    served,
    handles,
    onEvent,
    logger: logger.child("shares"),
  });
  const downloads = new Downloads({
    tracker: client,
    store: downloadStore,
    served,
    identity: {
      peerId: identity.peerId,
      privateKey: identity.keyPair.privateKey,
      publicKey: await exportPublicKey(identity.keyPair.publicKey),
      transport,
      listenPort,
    },
    createEngine: (plan, options) => new Download(plan, options),
    onEvent,
    onFinished: (file) =>
      sharing.adopt(file, AbortSignal.any([closing.signal, AbortSignal.timeout(ADOPT_TIMEOUT_MS)])),
    ...limiterOption("limiter", config.downloadLimit),
    timings: { requestTimeoutMs: config.pieceTimeoutMs, peerRefreshMs: config.peerRefreshMs },
    logger: logger.child("download"),
  });
  return new PeerApp({ tracker: client, served, sharing, downloads, onEvent, logger, listenPort });
}

function trackerKeysOf(client: TrackerClient, logger: Logger): TrackerKeys {
  return new TrackerKeys({
    fetch: async () => (await client.request("tracker_keys", {})).keys,
    logger: logger.child("keys"),
  });
}

/** `{ [name]: RateLimiter }` for a finite rate, `{}` for no limit. */
function limiterOption<K extends string>(name: K, bytesPerSecond: number) {
  return (Number.isFinite(bytesPerSecond) ? { [name]: new RateLimiter(bytesPerSecond) } : {}) as {
    [key in K]?: RateLimiter;
  };
}

/** Wait for `promise`, or until `signal` aborts (which is not an error here). */
async function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  try {
    await raceAbort(promise, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

async function logOutAtExit(
  client: TrackerClient,
  options: { output: Output; logger: Logger; timeoutMs: number },
): Promise<void> {
  const user = client.user;
  if (user === null) return;
  try {
    await client.logout({ signal: AbortSignal.timeout(options.timeoutMs) });
    options.output.event("logged_out", { user }, `Logged out ${user}`);
  } catch (error) {
    options.logger.warn(`Could not log out "${user}" at exit: ${toCommandError(error).message}`);
  }
}

/**
 * Call `stop` on the first SIGINT or SIGTERM; a second one exits at once (status 130).
 *
 * @returns a function that removes the listeners
 */
function onStopSignal(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) Deno.exit(130);
    stop();
  };
  const added: Deno.Signal[] = [];
  for (const signal of STOP_SIGNALS) {
    try {
      Deno.addSignalListener(signal, handler);
      added.push(signal);
    } catch (error) {
      // Windows has no SIGTERM; SIGINT alone still stops the peer there.
      if (!(error instanceof TypeError)) throw error;
    }
  }
  return () => added.forEach((signal) => Deno.removeSignalListener(signal, handler));
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/**
 * Start the seeder; when that fails (the port is taken), a state folder this start made is
 * removed again, so a failed start leaves nothing behind.
 */
async function listenOrCleanUp(
  stateDir: string,
  isNewFolder: boolean,
  listen: () => SeederServer,
): Promise<SeederServer> {
  try {
    return listen();
  } catch (error) {
    // The start-up error is what the user needs to read; a folder that cannot be removed
    // (its disk went away) changes nothing about it.
    if (isNewFolder) await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    throw error;
  }
}
