/**
 * The dashboard's HTTP server (`--web`): `Deno.serve` on the given address, the access check on
 * every request (access.ts), the page's files from memory (assets.ts), the event stream
 * (`/events`, live_feed.ts) and the one action route (`POST /api/command`), which runs the
 * shell's own command for the page.
 */
import { type Address, formatAddress } from "../../common/address.ts";
import { describeError } from "../../common/errors.ts";
import type { Logger } from "../../common/logger.ts";
import { type AccessRule, checkAccess, checkOrigin, hostMatcher, newToken } from "./access.ts";
import { ASSETS, PUBLIC_PATHS } from "./assets.ts";
import { LiveFeed } from "./live_feed.ts";
import { EventHub } from "./sse.ts";
import type { DashboardSources } from "./types.ts";
import { runWebCommand } from "./web_commands.ts";

/** The session cookie's name, before the port. */
export const COOKIE_PREFIX = "peershare_dashboard_";

/** The largest action body taken (a command and a few arguments). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Headers of every answer: nothing cached, framed or sniffed; only our own scripts run. */
const SECURITY_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
};

/** Options of {@linkcode Dashboard.start}. */
export interface DashboardOptions {
  /** Where to listen; port 0 takes any free port. */
  address: Address;
  sources: DashboardSources;
  logger?: Logger;
  /** The access token; a fresh random one unless given (tests). */
  token?: string;
  /** How often the live feed looks for changes. */
  feedIntervalMs?: number;
}

/** A running dashboard; close it (or `await using`) to stop serving. */
export class Dashboard implements AsyncDisposable {
  /** The address it listens on, with the port chosen. */
  readonly address: Address;
  /** The address to open: `http://IP:PORT/#token=…`. */
  readonly url: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #hub: EventHub;
  readonly #feed: LiveFeed;

  private constructor(parts: {
    address: Address;
    url: string;
    server: Deno.HttpServer<Deno.NetAddr>;
    hub: EventHub;
    feed: LiveFeed;
  }) {
    this.address = parts.address;
    this.url = parts.url;
    this.#server = parts.server;
    this.#hub = parts.hub;
    this.#feed = parts.feed;
  }

  /**
   * Listen and start the live feed.
   *
   * @throws {Error} one line naming the address, when it cannot listen (in use, no permission)
   */
  static start(options: DashboardOptions): Dashboard {
    const token = options.token ?? newToken();
    const hub = new EventHub();
    const feed = new LiveFeed(options.sources, hub, {
      ...(options.feedIntervalMs ? { intervalMs: options.feedIntervalMs } : {}),
    });
    const rule: MutableRule = { token, isHost: () => false, cookieName: null };
    const context = { rule, hub, feed, sources: options.sources, logger: options.logger };
    const server = listen(options.address, (request) => handle(request, context));
    const { hostname, port } = server.addr;
    rule.isHost = hostMatcher(hostname, port);
    // Cookies are kept per host, not per port: each dashboard names its own.
    rule.cookieName = `${COOKIE_PREFIX}${port}`;
    const address = { host: hostname, port };
    const url = `http://${formatAddress(address)}/#token=${token}`;
    feed.start();
    return new Dashboard({ address, url, server, hub, feed });
  }

  /** Stop: end every event stream, then the server. */
  async close(): Promise<void> {
    this.#feed.stop();
    this.#hub.closeAll();
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function listen(
  address: Address,
  handler: (request: Request) => Promise<Response>,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve(
      { hostname: address.host, port: address.port, onListen: () => {} },
      handler,
    );
  } catch (error) {
    const where = `"${formatAddress(address)}"`;
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(`Cannot serve the dashboard on ${where} (--web): the address is in use`);
    }
    throw new Error(`Cannot serve the dashboard on ${where} (--web): ${describeError(error)}`);
  }
}

type MutableRule = { -readonly [K in keyof AccessRule]: AccessRule[K] };

interface HandlerContext {
  rule: AccessRule;
  hub: EventHub;
  feed: LiveFeed;
  sources: DashboardSources;
  logger: Logger | undefined;
}

async function handle(request: Request, context: HandlerContext): Promise<Response> {
  const { pathname } = new URL(request.url);
  const { rule } = context;
  const isGet = request.method === "GET";
  const refusal = isGet && PUBLIC_PATHS.has(pathname)
    ? checkOrigin(request, rule.isHost)
    : checkAccess(request, { ...rule, cookieName: isGet ? rule.cookieName : null });
  if (refusal) {
    return json({ ok: false, code: refusal.code, error: refusal.message }, refusal.status);
  }
  if (pathname === "/events" && isGet) return events(context);
  if (pathname === "/api/session") return session(request, rule);
  if (pathname === "/api/command") {
    if (request.method !== "POST") return json(notFound("Use POST for /api/command"), 405);
    return await command(request, context);
  }
  const asset = isGet ? ASSETS.get(pathname) : undefined;
  if (!asset) return json(notFound(`Nothing at "${pathname}"`), 404);
  return new Response(asset.body, {
    headers: { ...SECURITY_HEADERS, "content-type": asset.type },
  });
}

/**
 * The page proved it holds the token (Authorization header): from now on its scripts, styles
 * and event stream carry it in a cookie that only this origin's own pages send (SameSite).
 */
function session(request: Request, rule: AccessRule): Response {
  if (request.method !== "POST") return json(notFound("Use POST for /api/session"), 405);
  const cookie = `${rule.cookieName}=${rule.token}; Path=/; HttpOnly; SameSite=Strict`;
  return new Response(JSON.stringify({ ok: true }), {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "set-cookie": cookie,
    },
  });
}

function events(context: HandlerContext): Response {
  const stream = context.hub.open(context.feed.snapshot());
  return new Response(stream, {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      "x-accel-buffering": "no",
    },
  });
}

async function command(request: Request, context: HandlerContext): Promise<Response> {
  const type = request.headers.get("content-type") ?? "";
  // Only JSON: a cross-site form can post text/plain or form data without a preflight.
  if (!type.startsWith("application/json")) {
    return json(badRequest("Send the command as application/json"), 415);
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) return json(badRequest("The request body is too large"), 413);
  let body: unknown;
  try {
    const text = await request.text();
    if (text.length > MAX_BODY_BYTES) return json(badRequest("The request body is too large"), 413);
    body = JSON.parse(text);
  } catch (error) {
    return json(badRequest(`The request body is not JSON: ${describeError(error)}`), 400);
  }
  const reply = await runWebCommand(body, context.sources);
  return json(reply, 200);
}

function notFound(message: string) {
  return { ok: false, code: "not_found", error: message };
}

function badRequest(message: string) {
  return { ok: false, code: "bad_request", error: message };
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" },
  });
}
