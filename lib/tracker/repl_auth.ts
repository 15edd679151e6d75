/**
 * Mutual proof of the cluster secret between two trackers, before any operation moves: each
 * side MACs the other's fresh nonce together with both tracker ids, under a key derived from the
 * secret, and the connection's Noise handshake hash. A process without the secret cannot pass,
 * a recorded exchange cannot be replayed, and one relayed between two encrypted connections fails
 * (their handshake hashes differ).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

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
