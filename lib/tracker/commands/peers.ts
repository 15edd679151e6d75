/**
 * Commands about online peers: heartbeat, announce and withdraw (presence), get_peers, and the
 * tickets that let a peer fetch pieces (get_ticket, tracker_keys).
 */
import { CommandError } from "../../common/errors.ts";
import { keyFingerprint } from "../../common/ids.ts";
import { signTicket } from "../../common/tickets.ts";
import { ErrorCode, type ResultOf } from "../../wire/mod.ts";
import type { CommandCore, SessionCall } from "./context.ts";
import { groupFile } from "./files.ts";

/** Ticket lifetime; downloads refresh theirs well before it ends. */
export const TICKET_TTL_MS = 5 * 60 * 1000;
/** Most peers one get_peers answer lists. */
const PEERS_PER_ANSWER = 200;

/** heartbeat: renew this peer's presence lease; `known: false` asks it to announce again. */
export function heartbeat(
  core: CommandCore,
  { args, session, caller }: SessionCall<"heartbeat">,
): ResultOf<"heartbeat"> {
  const { presence } = core.ctx;
  const known = presence.touch(session.peerId, session.user, caller.host, args.port);
  return { known, leaseMs: presence.leaseMs };
}

/** announce: this peer seeds a file of a group, complete or partial. */
export function announce(
  core: CommandCore,
  { args, session }: SessionCall<"announce">,
): ResultOf<"announce"> {
  const group = core.memberGroup(args.group, session);
  groupFile(core, group, args.fileId);
  const known = core.ctx.presence.announce(session.peerId, group.name, args.fileId, args.complete);
  return { known };
}

/** withdraw: this peer no longer seeds a file of a group. */
export function withdraw(
  core: CommandCore,
  { args, session }: SessionCall<"withdraw">,
): ResultOf<"withdraw"> {
  core.memberGroup(args.group, session);
  core.ctx.presence.withdraw(session.peerId, args.group, args.fileId);
  return {};
}

/** get_peers: online peers of members that seed the file (this peer excluded). */
export function getPeers(
  core: CommandCore,
  { args, session }: SessionCall<"get_peers">,
): ResultOf<"get_peers"> {
  const group = core.memberGroup(args.group, session);
  groupFile(core, group, args.fileId);
  const members = new Set(group.members.map((m) => m.user));
  const peers = core.ctx.presence.peersFor(group.name, args.fileId)
    .filter((p) => p.peerId !== session.peerId && members.has(p.user))
    .slice(0, PEERS_PER_ANSWER)
    .map((p) => ({
      peerId: p.peerId,
      address: p.host.includes(":") ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`,
      complete: p.isComplete,
    }));
  return { peers };
}

/** get_ticket: a signed, short-lived permission to fetch this file, bound to the caller's key. */
export async function getTicket(
  core: CommandCore,
  { args, session }: SessionCall<"get_ticket">,
): Promise<ResultOf<"get_ticket">> {
  const group = core.memberGroup(args.group, session);
  groupFile(core, group, args.fileId);
  if (args.publicKey.length !== 32) {
    throw new CommandError(ErrorCode.BAD_REQUEST, "Public key must be 32 bytes");
  }
  // A ticket names the key of the peer that logged in (its peer id), never another's: so a
  // seeder that checks the ticket's key against its connection serves only that peer.
  if (keyFingerprint(args.publicKey) !== session.peerId) {
    throw new CommandError(
      ErrorCode.BAD_REQUEST,
      `A ticket is for the key this session logged in with (peer ${session.peerId}), not another`,
    );
  }
  const { signer } = core.ctx;
  const issuedAt = core.now();
  const expiresAt = issuedAt + TICKET_TTL_MS;
  const ticket = await signTicket({
    user: session.user,
    group: group.name,
    fileId: args.fileId,
    peerKey: args.publicKey,
    issuedAt,
    expiresAt,
    keyId: signer.keyId,
  }, signer.privateKey);
  return { ticket, expiresAt };
}

/** tracker_keys: every tracker's public ticket key (no session needed). */
export function trackerKeys(core: CommandCore): ResultOf<"tracker_keys"> {
  const addresses = core.ctx.state.trackerAddresses();
  const keys = core.ctx.state.trackerKeys().map((k) => {
    const address = addresses.get(k.trackerId);
    return { keyId: k.trackerId, publicKey: k.publicKey, ...(address ? { address } : {}) };
  });
  return { keys };
}
