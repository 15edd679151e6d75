/**
 * Who may use the dashboard: a request must come to the address it is served on (Host), from
 * a page of that same origin (Origin, Sec-Fetch-Site), and carry the random access token the
 * peer printed at start. docs/DASHBOARD.md explains why each check is there.
 */
import { timingSafeEqual } from "node:crypto";
import { encodeBase64Url } from "../../common/base64.ts";

/** Random bytes in a token: 256 bits, printed as 43 base64url characters. */
export const TOKEN_BYTES = 32;

/** A refusal: the HTTP status, a stable code and one line for the user. */
export interface Refusal {
  readonly status: 401 | 403;
  readonly code: string;
  readonly message: string;
}

/** What a request is checked against. */
export interface AccessRule {
  /** The token printed at start. */
  readonly token: string;
  /** Whether a Host header (`host:port`, lower case) names the dashboard. */
  readonly isHost: (host: string) => boolean;
  /**
   * The cookie that may carry the token instead of the Authorization header, on requests that
   * change nothing (scripts, styles and the event stream, which a page cannot add headers to);
   * null where only the header counts.
   */
  readonly cookieName: string | null;
}

/** A fresh random access token. */
export function newToken(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

/**
 * Check where a request comes from and that it holds the token.
 *
 * @returns null when the request may go on, or why it is refused
 */
export function checkAccess(request: Request, rule: AccessRule): Refusal | null {
  return checkOrigin(request, rule.isHost) ?? checkToken(request, rule);
}

/**
 * The Host header must name the dashboard (a DNS-rebinding page names its own host there), and
 * a browser's Origin and Sec-Fetch-Site must say the request comes from a page of the dashboard
 * (a cross-site form or fetch says otherwise). A state-changing request must have an Origin.
 */
export function checkOrigin(request: Request, isHost: (host: string) => boolean): Refusal | null {
  const host = request.headers.get("host")?.toLowerCase() ?? "";
  if (!isHost(host)) {
    return forbidden("bad_host", `Refused: the Host header "${host}" is not the dashboard's`);
  }
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== `http://${host}`) {
    return forbidden("bad_origin", `Refused: a request from "${origin}" (another origin)`);
  }
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    return forbidden("bad_origin", `Refused: a ${site} request (another origin)`);
  }
  const isSafe = request.method === "GET" || request.method === "HEAD";
  if (!isSafe && origin === null) {
    return forbidden("bad_origin", "Refused: a request that changes state needs an Origin");
  }
  return null;
}

function checkToken(request: Request, rule: AccessRule): Refusal | null {
  const header = request.headers.get("authorization");
  let given: string | null = null;
  if (header !== null) given = /^Bearer (\S+)$/.exec(header)?.[1] ?? "";
  else if (rule.cookieName !== null) given = cookieOf(request, rule.cookieName);
  if (given === null) {
    return {
      status: 401,
      code: "no_token",
      message: "Refused: no access token (open the address with #token=… the peer printed)",
    };
  }
  if (!sameText(given, rule.token)) {
    return { status: 401, code: "bad_token", message: "Refused: wrong access token" };
  }
  return null;
}

/** The value of one cookie of a request, or null. */
export function cookieOf(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

/** Compare in constant time, so the token cannot be guessed a character at a time. */
function sameText(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The Host values of a dashboard listening on `hostname:port`: that address, and `localhost`
 * for a loopback one. Bound to every interface (0.0.0.0, ::), any name with the right port is
 * taken, since the peer cannot know them all; the token and Origin checks still apply.
 */
export function hostMatcher(hostname: string, port: number): (host: string) => boolean {
  const isWildcard = hostname === "0.0.0.0" || hostname === "::";
  const bracketed = hostname.includes(":") ? `[${hostname}]` : hostname;
  const names = new Set([`${bracketed}:${port}`.toLowerCase()]);
  if (hostname === "127.0.0.1" || hostname === "::1") names.add(`localhost:${port}`);
  return (host) => names.has(host) || (isWildcard && host.endsWith(`:${port}`));
}

function forbidden(code: string, message: string): Refusal {
  return { status: 403, code, message };
}
