/**
 * Headless Chromium from Debian (/usr/bin/chromium), driven by playwright-core, for the
 * dashboard tests: a fresh user-data folder each launch, removed on dispose. Without chromium
 * the browser tests are skipped with one line saying so.
 *
 * ```ts
 * await using browser = await Browser.launch();
 * const page = await browser.page();
 * await page.goto(url);
 * ```
 */
import fs from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { Cluster } from "./cluster.ts";
import { PeerProcess } from "./peer.ts";
import { tempDir } from "./processes.ts";

// playwright-core asks `fs.existsSync("/proc/sys/fs/binfmt_misc/WSLInterop")` as it loads (is
// this WSL?), and Deno refuses that path to anything short of --allow-all with NotCapable,
// which existsSync passes on. Node's existsSync never throws: answer false there as Node would,
// so the tests keep their scoped permissions. Loaded after the shim, hence the dynamic import.
const existsSync = fs.existsSync;
fs.existsSync = (path: fs.PathLike) => {
  try {
    return existsSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return false;
    throw error;
  }
};
const { chromium } = await import("playwright-core");

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The flags of every launch: no sandbox (root in CI), no network of its own, no extras. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** True when the browser tests cannot run; they pass it as `ignore`. */
export const NO_BROWSER: boolean = !hasChromium();
if (NO_BROWSER) {
  console.log(
    `browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install -y chromium)`,
  );
}

/** One browser with its own profile folder. */
export class Browser implements AsyncDisposable {
  readonly context: BrowserContext;
  readonly #profile: string;

  private constructor(context: BrowserContext, profile: string) {
    this.context = context;
    this.#profile = profile;
  }

  /** Launch chromium with a fresh profile; the viewport defaults to 1280×800. */
  static async launch(viewport = { width: 1280, height: 800 }): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "peershare-chromium-" });
    try {
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS],
        viewport,
        timeout: 30_000,
      });
      return new Browser(context, profile);
    } catch (error) {
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  /** A new tab. */
  async page(): Promise<Page> {
    const page = await this.context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.context.close();
    } finally {
      await Deno.remove(this.#profile, { recursive: true });
    }
  }
}

/** The dashboard address a peer started with `--web` printed (`{"event":"dashboard",…}`). */
export async function dashboardUrl(
  peer: { event(name: string): Promise<Record<string, unknown>> },
) {
  const { url } = await peer.event("dashboard");
  if (typeof url !== "string") throw new Error(`No dashboard address: ${JSON.stringify(url)}`);
  return url;
}

/** The dashboard's address without its #token=… part. */
export function withoutToken(url: string): string {
  return url.replace(/#.*$/, "");
}

/** Options of {@linkcode DashboardHost.start}. */
export interface DashboardHostOptions {
  /** Trackers in the cluster, all started (1 by default). */
  trackers?: number;
  /** alice's `--web` address (`0`: a free port on 127.0.0.1). */
  web?: string;
  /** alice's other flags. */
  extraArgs?: readonly string[];
}

/**
 * Where a dashboard test starts: a cluster in a temporary folder and peer `alice`, logged in,
 * serving her dashboard; more logged-in peers on demand. Everything stops on dispose.
 *
 * ```ts
 * await using host = await DashboardHost.start();
 * const url = await dashboardUrl(host.alice);
 * ```
 */
export class DashboardHost implements AsyncDisposable {
  readonly dir: string;
  readonly cluster: Cluster;
  readonly alice: PeerProcess;
  readonly #stack: AsyncDisposableStack;

  private constructor(
    dir: string,
    cluster: Cluster,
    alice: PeerProcess,
    stack: AsyncDisposableStack,
  ) {
    this.dir = dir;
    this.cluster = cluster;
    this.alice = alice;
    this.#stack = stack;
  }

  static async start(options: DashboardHostOptions = {}): Promise<DashboardHost> {
    const { trackers = 1, web = "0", extraArgs = [] } = options;
    await using stack = new AsyncDisposableStack();
    const dir = stack.use(await tempDir()).path;
    const cluster = stack.use(await Cluster.create(dir, trackers));
    for (let n = 1; n <= trackers; n++) await cluster.start(n);
    const alice = stack.use(
      await PeerProcess.startLoggedIn(cluster.infoPath, `${dir}/alice`, {
        user: "alice",
        extraArgs: [...extraArgs, "--web", web],
      }),
    );
    return new DashboardHost(dir, cluster, alice, stack.move());
  }

  /** Another peer, logged in as `user`, with its state in the same folder. */
  async loggedIn(user: string, extraArgs: readonly string[] = []): Promise<PeerProcess> {
    const peer = await PeerProcess.startLoggedIn(this.cluster.infoPath, `${this.dir}/${user}`, {
      user,
      extraArgs,
    });
    return this.#stack.use(peer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#stack.disposeAsync();
  }
}
