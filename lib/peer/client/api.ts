/**
 * What the rest of the peer needs of the tracker client: the {@linkcode TrackerApi} that
 * commands, sharing and downloads call (tests pass a fake), the {@linkcode Session} it holds, the
 * {@linkcode EventSink} it reports unasked-for events to, and its default deadlines.
 */
import type { Address } from "../../common/address.ts";
import type { ArgsOf, Op, ResultOf } from "../../wire/messages.ts";

/** How long one tracker request may take, connecting included, unless `--request-timeout-ms`. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** How long connecting to one tracker (TCP and Hello) may take, unless `--connect-timeout-ms`. */
export const CONNECT_TIMEOUT_MS = 3_000;

/** What commands, sharing and downloads need of the tracker client; tests pass a fake. */
export interface TrackerApi {
  /** The logged-in user, or null. */
  readonly user: string | null;
  /** Send one op with the session token (and a `requestId` for a write). */
  request<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    options?: { signal?: AbortSignal },
  ): Promise<ResultOf<O>>;
  /** Log in, announcing our peer id and listening port. */
  login(
    credentials: { user: string; password: string; port: number },
    options?: { signal?: AbortSignal },
  ): Promise<{ user: string; tracker: Address | null }>;
  /** Forget the session and revoke its token. */
  logout(options?: { signal?: AbortSignal }): Promise<void>;
}

/** An open session: the token every non-public op carries. */
export interface Session {
  /** The user the session belongs to. */
  readonly user: string;
  /** Opaque to the peer; any tracker of the cluster can verify it. */
  readonly token: string;
  /** Expiry in ms since the epoch. */
  readonly expiresAt: number;
}

/** Receives events that no command asked for (a lost session), to print them. */
export type EventSink = (name: string, fields: Record<string, unknown>, text: string) => void;
