/**
 * Mutual proof of the cluster secret between two trackers, before any operation moves: each
 * side MACs the other's fresh nonce together with both tracker ids, under a key derived from the
 * secret, and the connection's Noise handshake hash. A process without the secret cannot pass,
 * a recorded exchange cannot be replayed, and one relayed between two encrypted connections fails
 * (their handshake hashes differ). Both halves of the exchange (CHALLENGE, AUTH, WELCOME;
 * docs/PROTOCOL.md, Replication) are here; replication.ts runs the link after them.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { ProtocolError } from "../common/errors.ts";
import { sameBytes } from "../common/hash.ts";
import { keyFingerprint } from "../common/ids.ts";
import {
  decodeMessage,
  ErrorFrameSchema,
  FrameType,
  REPL_FRAME_LIMIT_BYTES,
  ReplAuthSchema,
  ReplChallengeSchema,
  ReplFrame,
  ReplWelcomeSchema,
  type WireConnection,
} from "../wire/mod.ts";
import type { Hlc, State } from "./state/mod.ts";

/** A connector must prove the cluster key this soon after the challenge. */
const AUTH_TIMEOUT_MS = 10_000;

/** Derives the replication key and computes and checks the two MACs. */
export class ReplicationAuth {
  readonly #key: Buffer;

  constructor(clusterSecret: Uint8Array) {
    this.#key = createHmac("sha256", clusterSecret).update("peershare replication v1").digest();
  }

  /** A fresh 32-byte nonce. */
  static nonce(): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(32));
  }

  /** The MAC one side sends: over its role, the other's nonce, both ids and the channel. */
  mac(
    role: "connector" | "acceptor",
    nonce: Uint8Array,
    connector: string,
    acceptor: string,
    channel: Uint8Array,
  ) {
    return new Uint8Array(
      createHmac("sha256", this.#key)
        .update(`${role}\0${connector}\0${acceptor}\0`)
        .update(nonce)
        .update(channel)
        .digest(),
    );
  }

  /** Check a MAC in constant time. */
  check(
    mac: Uint8Array,
    role: "connector" | "acceptor",
    nonce: Uint8Array,
    connector: string,
    acceptor: string,
    channel: Uint8Array,
  ): boolean {
    const expected = this.mac(role, nonce, connector, acceptor, channel);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  }
}

/** What a tracker we link to last said it holds (its welcome, then each ACK), for trimming. */
export interface RemoteTracker {
  trackerId: string;
  /** Highest sequence number it holds per origin. */
  vector: Record<string, number>;
  /** Its clock when it said so. */
  clock: Hlc;
}

/** One end of a link, as the handshake needs it. */
export interface LinkSide {
  readonly trackerId: string;
  readonly auth: ReplicationAuth;
  /** The cluster's state: the tracker keys it holds, the trackers removed. */
  readonly state: State;
}

/**
 * A tracker whose key the cluster already holds must prove that key: an impostor with the
 * cluster key but another key is refused. A tracker not yet known proves its key by the
 * cluster key alone (and registers it).
 *
 * @throws {ProtocolError} `wrong_key`
 */
function checkKey(state: State, trackerId: string, key: Uint8Array): void {
  const known = state.trackerKeys().find((entry) => entry.trackerId === trackerId);
  if (known && !sameBytes(known.publicKey, key)) {
    throw new ProtocolError(
      "wrong_key",
      `Tracker "${trackerId}" proved key ${keyFingerprint(key)}, but the cluster holds ` +
        `${keyFingerprint(known.publicKey)} for it`,
    );
  }
}

/**
 * The connecting half: the acceptor's CHALLENGE, our AUTH (with the port we listen on), its
 * WELCOME checked.
 *
 * @returns what the acceptor holds, from its WELCOME
 * @throws {ProtocolError} `wrong_key`, `auth_failed` (it lacks the cluster key), `refused`
 */
export async function authenticateAsConnector(
  wire: WireConnection,
  side: LinkSide,
  port: number,
): Promise<RemoteTracker> {
  const { trackerId, auth } = side;
  const acceptor = wire.remote.id;
  const channel = wire.conn.handshakeHash;
  checkKey(side.state, acceptor, wire.remoteKey);
  const challenge = await readFrame(wire, ReplFrame.CHALLENGE);
  const { nonce: theirNonce } = decodeMessage(ReplChallengeSchema, challenge, "challenge");
  const nonce = ReplicationAuth.nonce();
  const mac = auth.mac("connector", theirNonce, trackerId, acceptor, channel);
  await wire.send(ReplFrame.AUTH, { nonce, mac, port });
  const welcome = decodeMessage(
    ReplWelcomeSchema,
    await readFrame(wire, ReplFrame.WELCOME),
    "welcome",
  );
  if (!auth.check(welcome.mac, "acceptor", nonce, trackerId, acceptor, channel)) {
    throw new ProtocolError("auth_failed", `Tracker "${acceptor}" does not hold the cluster key`);
  }
  return { trackerId: acceptor, vector: welcome.vector, clock: welcome.clock };
}

/**
 * The accepting half: refuse a removed tracker, send a CHALLENGE, check the AUTH (within
 * `AUTH_TIMEOUT_MS`), then lift the frame limits and answer WELCOME with what `held` says we hold.
 *
 * @returns the port the connector listens on, to link back to it
 * @throws {ProtocolError} `wrong_key`, `tracker_removed`, `auth_failed`
 */
export async function authenticateAsAcceptor(
  wire: WireConnection,
  side: LinkSide,
  held: () => { vector: Record<string, number>; clock: Hlc },
): Promise<number> {
  const { trackerId, auth } = side;
  const connector = wire.remote.id;
  const channel = wire.conn.handshakeHash;
  checkKey(side.state, connector, wire.remoteKey);
  if (side.state.removedTrackers().has(connector)) {
    throw new ProtocolError(
      "tracker_removed",
      `Tracker "${connector}" was removed from the cluster and may not replicate: to rejoin, ` +
        `start it with a new data folder`,
    );
  }
  const nonce = ReplicationAuth.nonce();
  await wire.send(ReplFrame.CHALLENGE, { nonce });
  const timer = setTimeout(() => wire.close(), AUTH_TIMEOUT_MS);
  const authFrame = await readFrame(wire, ReplFrame.AUTH).finally(() => clearTimeout(timer));
  const proof = decodeMessage(ReplAuthSchema, authFrame, "auth");
  if (!auth.check(proof.mac, "connector", nonce, connector, trackerId, channel)) {
    throw new ProtocolError("auth_failed", "Replication refused: wrong cluster key");
  }
  wire.reader.setLimits(REPL_FRAME_LIMIT_BYTES); // proven: full-size frames from now on
  const mac = auth.mac("acceptor", proof.nonce, connector, trackerId, channel);
  await wire.send(ReplFrame.WELCOME, { mac, ...held() });
  return proof.port;
}

/** The next frame, which must be of `type`; an ERROR frame is the other side's refusal. */
async function readFrame(wire: WireConnection, type: number): Promise<Uint8Array> {
  const frame = await wire.reader.read();
  if (frame === null) throw new ProtocolError("truncated", "Link closed during the handshake");
  if (frame.type === FrameType.ERROR) {
    // Its reason is worth the operator's line (a wrong key, a removed tracker…).
    let reason = "";
    try {
      reason = `: ${decodeMessage(ErrorFrameSchema, frame.payload, "error").message}`;
    } catch {
      // An error frame that does not decode says only that it refused.
    }
    throw new ProtocolError("refused", `The other tracker refused the link${reason}`);
  }
  if (frame.type !== type) {
    throw new ProtocolError("unexpected_frame", `Expected frame ${type}, got ${frame.type}`);
  }
  return frame.payload;
}
