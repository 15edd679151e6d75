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
