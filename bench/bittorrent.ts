/**
 * The BitTorrent clients people know, on the same file and loopback as PeerShare: aria2 (`aria2c`)
 * and qBittorrent (`qbittorrent-nox`, libtorrent), each downloading from N aria2 seeders under a
 * minimal HTTP tracker served here. aria2 seeds for both: 4 qBittorrent seeders fed a qBittorrent
 * downloader at 22-33 MB/s here (1 GiB in 21 s, against 7.6 s from aria2's), so aria2's are the
 * kinder baseline for it. Each client runs as it ships, with what this suite turns off
 * everywhere: DHT, local peer discovery and peer exchange (one tracker names every peer), and
 * BitTorrent's own obfuscation (RC4, not a cipher anyone relies on), so their figures are in clear.
 * Pieces are 512 KiB, as PeerShare's. A client that is not installed is reported, not run.
 *
 * Timing: aria2 from its start to its exit after the download (its event loop ticks once a
 * second: it asks the tracker a second after it starts and connects a second later, so 2-3 s of
 * each aria2 figure pass before its first byte, as they do for anyone who runs it); qBittorrent
 * from adding the torrent through its Web API to the API reporting it complete (polled every
 * 20 ms; its API refreshes a torrent's progress about once a second, so its figure is to ±0.5 s),
 * once it runs. The seeders do not verify the file at start (`--bt-seed-unverified`): that is
 * set-up, not transfer.
 */
import { Buffer } from "node:buffer";
import { waitUntil } from "../lib/common/test_util.ts";
import { Child, freePort } from "../tests/helpers/processes.ts";

/** The programs, found on PATH. */
const ARIA2 = "aria2c";
const QBITTORRENT = "qbittorrent-nox";
/** Longest any one download may take. */
const DOWNLOAD_LIMIT_MS = 300_000;
/** Longest the seeders or qBittorrent may take to come up. */
const START_LIMIT_MS = 30_000;
const POLL_MS = 20;

/** Which of the two clients is installed; a missing one says how to get it. */
export async function missingClients(): Promise<string[]> {
  const missing: string[] = [];
  for (const program of [ARIA2, QBITTORRENT]) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`] }).output()
      .then((out) => out.success, () => false);
    if (!found) missing.push(program);
  }
  return missing;
}

// ---- bencode and the .torrent ----

/** What bencoding holds: integers, byte strings, lists and dictionaries. */
export type Bencoded = number | string | Uint8Array | Bencoded[] | { [key: string]: Bencoded };

/** The bencoding of `value` (BEP 3): dictionaries with their keys in order. */
export function bencode(value: Bencoded): Buffer {
  if (typeof value === "number") return Buffer.from(`i${Math.trunc(value)}e`);
  if (typeof value === "string") return bencode(Buffer.from(value));
  if (value instanceof Uint8Array) {
    return Buffer.concat([Buffer.from(`${value.length}:`), value]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([Buffer.from("l"), ...value.map(bencode), Buffer.from("e")]);
  }
  // Keys in byte order, as the format requires (these are ASCII).
  const keys = Object.keys(value).sort();
  return Buffer.concat([
    Buffer.from("d"),
    ...keys.flatMap((key) => [bencode(key), bencode(value[key]!)]),
    Buffer.from("e"),
  ]);
}

/**
 * A single-file .torrent for `source` announcing to `announce`, from its piece hashes (the
 * suite's hashes.bin: 20 bytes per piece of `pieceBytes`).
 */
async function writeTorrent(
  path: string,
  source: { path: string; size: number },
  options: { announce: string; hashes: string; pieceBytes: number },
): Promise<void> {
  const torrent = bencode({
    announce: options.announce,
    info: {
      length: source.size,
      name: source.path.split("/").at(-1)!,
      "piece length": options.pieceBytes,
      pieces: await Deno.readFile(options.hashes),
    },
  });
  await Deno.writeFile(path, torrent);
}

// ---- a tracker: every peer that announced, to every other ----

/** An HTTP tracker on 127.0.0.1 for one torrent; peers are told apart by their ports. */
export class MiniTracker implements AsyncDisposable {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** Announced port → bytes left. */
  readonly peers = new Map<number, number>();

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#announce(new URL(request.url)),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/announce`;
  }

  /** How many peers announced with nothing left: seeders. */
  get seeders(): number {
    return [...this.peers.values()].filter((left) => left === 0).length;
  }

  #announce(url: URL): Response {
    const port = Number(url.searchParams.get("port"));
    const left = Number(url.searchParams.get("left"));
    if (url.searchParams.get("event") === "stopped") this.peers.delete(port);
    else this.peers.set(port, left);
    const others = [...this.peers.keys()].filter((other) => other !== port);
    const compact = Buffer.alloc(6 * others.length);
    others.forEach((other, i) => {
      compact.set([127, 0, 0, 1], 6 * i);
      compact.writeUInt16BE(other, 6 * i + 4);
    });
    return new Response(
      new Uint8Array(bencode({ interval: 60, "min interval": 1, peers: compact })),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

/** Options of aria2 that every run shares: one tracker, no other way to find peers, in clear. */
const ARIA2_COMMON = [
  "--enable-dht=false",
  "--enable-dht6=false",
  "--bt-enable-lpd=false",
  "--enable-peer-exchange=false",
  "--bt-require-crypto=false",
  "--bt-min-crypto-level=plain",
  "--summary-interval=0",
  "--console-log-level=warn",
  "--bt-stop-timeout=0",
  "--bt-tracker-connect-timeout=5",
  "--no-conf=true",
];

/** `promise`, or `what` thrown after `limitMs` (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, what: string, limitMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(what)), limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client that downloads. */
export type BitTorrentClient = "aria2" | "qbittorrent";

/** Options of {@linkcode bittorrentTransfer}. */
export interface BitTorrentOptions {
  readonly client: BitTorrentClient;
  readonly seeders: number;
  /** The suite's piece hashes of the source (bench/pipelines.ts, writeHashes). */
  readonly hashes: string;
  readonly pieceBytes: number;
  /** A folder of its own for this run (made here). */
  readonly dir: string;
}

/**
 * `source` from `seeders` aria2 seeders to one `client`, whose finished file is moved to
 * `output`.
 *
 * @returns the download's seconds
 */
export async function bittorrentTransfer(
  source: { path: string; size: number },
  output: string,
  options: BitTorrentOptions,
): Promise<number> {
  await Deno.mkdir(`${options.dir}/into`, { recursive: true });
  await using tracker = new MiniTracker();
  const torrent = `${options.dir}/bench.torrent`;
  await writeTorrent(torrent, source, { announce: tracker.url, ...options });
  const sourceDir = source.path.slice(0, source.path.lastIndexOf("/"));
  const seeders = Array.from({ length: options.seeders }, () => aria2Seeder(torrent, sourceDir));
  try {
    await waitUntil("the aria2 seeders announced", () => tracker.seeders >= options.seeders, {
      timeoutMs: START_LIMIT_MS,
      intervalMs: POLL_MS,
    });
    const name = source.path.split("/").at(-1)!;
    const seconds = options.client === "aria2"
      ? await aria2Download(torrent, `${options.dir}/into`)
      : await qbittorrentDownload(torrent, options.dir);
    await Deno.rename(`${options.dir}/into/${name}`, output);
    return seconds;
  } finally {
    for (const seeder of seeders) await seeder[Symbol.asyncDispose]();
    await Deno.remove(options.dir, { recursive: true }).catch(() => {});
  }
}

/** aria2 seeding the file in `sourceDir`, unverified (the suite made it). */
function aria2Seeder(torrent: string, sourceDir: string): Child {
  return new Child([
    ...ARIA2_COMMON,
    `--dir=${sourceDir}`,
    `--listen-port=${freePort()}`,
    "--bt-seed-unverified=true",
    "--seed-ratio=0.0",
    "--file-allocation=none",
    torrent,
  ], { program: ARIA2 });
}

async function aria2Download(torrent: string, into: string): Promise<number> {
  const started = performance.now();
  await using download = new Child([
    ...ARIA2_COMMON,
    `--dir=${into}`,
    `--listen-port=${freePort()}`,
    "--seed-time=0",
    torrent,
  ], { program: ARIA2 });
  const status = await within(download.exited(), "aria2 did not finish in time", DOWNLOAD_LIMIT_MS);
  const seconds = (performance.now() - started) / 1000;
  if (!status.success) {
    throw new Error(`aria2 failed: ${download.stdout.lines.at(-1) ?? `exit ${status.code}`}`);
  }
  return seconds;
}

/** qBittorrent's settings for a run: its Web API open to 127.0.0.1 without a login, in clear. */
function qbittorrentConfig(webPort: number, torrentPort: number): string {
  return [
    "[LegalNotice]",
    "Accepted=true",
    "",
    "[BitTorrent]",
    "Session\\DHTEnabled=false",
    "Session\\LSDEnabled=false",
    "Session\\PeXEnabled=false",
    "Session\\Encryption=2",
    "Session\\MultiConnectionsPerIp=true",
    `Session\\Port=${torrentPort}`,
    "Session\\AnonymousModeEnabled=false",
    "",
    "[Preferences]",
    "WebUI\\Address=127.0.0.1",
    `WebUI\\Port=${webPort}`,
    "WebUI\\LocalHostAuth=false",
    "WebUI\\CSRFProtection=false",
    "WebUI\\HostHeaderValidation=false",
    "",
  ].join("\n");
}

/** A qbittorrent-nox with a profile of its own, driven through its Web API. */
class Qbittorrent implements AsyncDisposable {
  readonly #child: Child;
  readonly #api: string;

  private constructor(child: Child, api: string) {
    this.#child = child;
    this.#api = api;
  }

  /** Start one in `dir` (made here) and wait for its Web API. */
  static async start(dir: string): Promise<Qbittorrent> {
    const webPort = freePort();
    await Deno.mkdir(`${dir}/profile/qBittorrent/config`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/profile/qBittorrent/config/qBittorrent.conf`,
      qbittorrentConfig(webPort, freePort()),
    );
    const child = new Child([`--profile=${dir}/profile`, `--webui-port=${webPort}`], {
      program: QBITTORRENT,
    });
    const client = new Qbittorrent(child, `http://127.0.0.1:${webPort}/api/v2`);
    try {
      await waitUntil(
        "qBittorrent's Web API answered",
        () => client.#get("/app/version").then((r) => r.text()).then(() => true, () => false),
        { timeoutMs: START_LIMIT_MS, intervalMs: POLL_MS },
      );
    } catch (error) {
      await child[Symbol.asyncDispose]();
      throw error;
    }
    return client;
  }

  async #get(path: string): Promise<Response> {
    const response = await fetch(`${this.#api}${path}`);
    if (!response.ok) throw new Error(`qBittorrent ${path}: HTTP ${response.status}`);
    return response;
  }

  /** Add `torrent`, saving into `savePath`. */
  async add(torrent: string, savePath: string): Promise<void> {
    const form = new FormData();
    // The file last: qBittorrent 4.5 reads the final boundary into the field that ends the body.
    form.append("savepath", savePath);
    form.append("torrents", new Blob([await Deno.readFile(torrent)]), "bench.torrent");
    const added = await fetch(`${this.#api}/torrents/add`, { method: "POST", body: form });
    if (!added.ok) throw new Error(`qBittorrent refused the torrent: HTTP ${added.status}`);
    await added.body?.cancel();
  }

  /** Whether its one torrent is complete. */
  async isComplete(): Promise<boolean> {
    const [info] = await this.#get("/torrents/info").then((r) => r.json()) as {
      progress: number;
    }[];
    return info !== undefined && info.progress >= 1;
  }

  /** Shut down through the API, so that everything is written, else kill it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await fetch(`${this.#api}/app/shutdown`, { method: "POST" }).then(
      (r) => r.body?.cancel(),
      () => {},
    );
    await within(this.#child.exited(), "qBittorrent did not shut down", START_LIMIT_MS)
      .catch(() => {});
    await this.#child[Symbol.asyncDispose]();
  }
}

async function qbittorrentDownload(torrent: string, dir: string): Promise<number> {
  await using client = await Qbittorrent.start(`${dir}/downloader`);
  const started = performance.now();
  await client.add(torrent, `${dir}/into`);
  let seconds = 0;
  await waitUntil(
    "qBittorrent finished",
    async () => {
      const isComplete = await client.isComplete();
      seconds = (performance.now() - started) / 1000;
      return isComplete;
    },
    { timeoutMs: DOWNLOAD_LIMIT_MS, intervalMs: POLL_MS },
  );
  return seconds;
}
