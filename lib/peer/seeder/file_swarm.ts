/**
 * The downloaders of one served file, as this seeder sees them: what each holds (their BITFIELD
 * and HAVEs), how many of them hold each piece, who is unchoked ({@linkcode Choker}), what is
 * revealed while super-seeding (super_seed.ts), and whom to tell of whom (peer exchange). The
 * seeder server keeps one per file with downloaders and calls {@linkcode FileSwarm.round} every
 * `CHOKE_INTERVAL_MS`; sessions report to it as frames arrive.
 */
import { Bitfield } from "../../wire/peer_frames.ts";
import { MAX_EXCHANGED_PEERS } from "../../wire/peer_frames.ts";
import { type ChokeCandidate, Choker, UPLOAD_SLOTS } from "./choker.ts";
import type { PieceSource } from "./served_files.ts";
import { isSpread, nextReveal, REVEAL_AHEAD_PIECES, revealWindow } from "./super_seed.ts";

/** Upload slots are re-chosen this often (and at once when a downloader comes or goes). */
export const CHOKE_INTERVAL_MS = 2_000;

/** What the swarm needs of one downloader's session. */
export interface SwarmMember {
  /** The downloader's peer id (from its Hello). */
  readonly peerId: string;
  /** Where the downloader's own seeder listens (`IP:PORT`), when it said so. */
  readonly endpoint: string | null;
  /** What it holds. */
  readonly theirs: Bitfield;
  /** What we revealed to it while super-seeding; null when it sees every piece we have. */
  readonly revealed: Bitfield | null;
  /** Bytes we sent it. */
  readonly sentTotal: number;
  readonly isChoked: boolean;
  choke(): void;
  unchoke(): void;
  /** Announce one more piece (HAVE) while super-seeding. */
  reveal(index: number): void;
  /** Tell it of other peers of this file. */
  sendPeers(peers: readonly { peerId: string; address: string }[]): void;
}

/** Options of {@linkcode FileSwarm}. */
export interface FileSwarmOptions {
  /** Regular upload slots. */
  slots?: number;
  /** Reveal pieces one at a time while few copies exist; default true. */
  isSuperSeeding?: boolean;
  random?: () => number;
}

/** The downloaders of one file at this seeder. */
export class FileSwarm {
  readonly source: PieceSource;
  readonly #members = new Set<SwarmMember>();
  readonly #choker: Choker;
  readonly #availability: Uint32Array;
  /** Per piece, members shown it that do not hold it yet. */
  readonly #inFlight: Uint32Array;
  readonly #random: () => number;
  readonly #isSuperSeeding: boolean;
  readonly #slots: number;
  readonly #unsubscribe: () => void;

  constructor(source: PieceSource, options: FileSwarmOptions = {}) {
    this.source = source;
    this.#random = options.random ?? Math.random;
    this.#choker = new Choker({ ...options, random: this.#random });
    this.#availability = new Uint32Array(source.bitfield.length);
    this.#inFlight = new Uint32Array(source.bitfield.length);
    this.#isSuperSeeding = options.isSuperSeeding ?? true;
    this.#slots = options.slots ?? UPLOAD_SLOTS;
    // A partial source's new piece may make a choked downloader interested: give it a free slot now.
    this.#unsubscribe = source.onPiece(() => {
      if (this.#hasFreeSlot()) this.round();
    });
  }

  /** Stop following the source (the server forgets this swarm). */
  close(): void {
    this.#unsubscribe();
  }

  get size(): number {
    return this.#members.size;
  }

  /**
   * Whether a downloader arriving now should see only revealed pieces: the file is complete here
   * and some piece has no copy at any connected downloader.
   */
  get shouldHide(): boolean {
    return this.#isSuperSeeding && this.source.isComplete &&
      !isSpread(this.source.bitfield, this.#availability);
  }

  /** A downloader passed its handshake and sent its BITFIELD. */
  join(member: SwarmMember): void {
    this.#members.add(member);
    this.#count(member.theirs, +1);
    this.#exchangePeers(member);
    this.#topUp(member);
    this.round();
  }

  /** A downloader is gone. */
  leave(member: SwarmMember): void {
    if (!this.#members.delete(member)) return;
    this.#count(member.theirs, -1);
    const { revealed, theirs } = member;
    for (let i = 0; revealed !== null && i < revealed.length; i++) {
      if (revealed.has(i) && !theirs.has(i)) this.#inFlight[i]!--;
    }
    // What it was shown and never got is fresh again: show it to the others.
    for (const other of this.#members) this.#topUp(other);
    if (!member.isChoked) this.round();
  }

  /** A downloader reports a piece it got (its HAVE, already applied to `member.theirs`). */
  onHave(member: SwarmMember, index: number): void {
    this.#availability[index]!++;
    if (member.revealed?.has(index)) this.#inFlight[index]!--;
    if (member.revealed !== null) this.#topUp(member);
  }

  /** Re-choose the unchoked downloaders. */
  round(): void {
    const received = this.source.receivedFrom;
    const candidates: ChokeCandidate[] = [];
    for (const member of this.#members) {
      candidates.push({
        id: member.peerId,
        isInterested: this.#isInterested(member),
        receivedFrom: received?.get(member.peerId) ?? 0,
        sentTotal: member.sentTotal,
        isUnchoked: !member.isChoked,
      });
    }
    // While super-seeding every interested downloader is served: each is shown different pieces.
    const unchoked = this.#isHiding()
      ? new Set(candidates.filter((c) => c.isInterested).map((c) => c.id))
      : this.#choker.round(candidates, this.source.isComplete);
    for (const member of this.#members) {
      if (unchoked.has(member.peerId)) member.unchoke();
      else member.choke();
    }
  }

  #hasFreeSlot(): boolean {
    let unchoked = 0;
    let choked = 0;
    for (const member of this.#members) {
      if (member.isChoked) choked++;
      else unchoked++;
    }
    return choked > 0 && unchoked < this.#slots + 1;
  }

  #isHiding(): boolean {
    for (const member of this.#members) if (member.revealed !== null) return true;
    return false;
  }

  #isInterested(member: SwarmMember): boolean {
    const ours = this.source.bitfield;
    for (let i = 0; i < ours.length; i++) if (ours.has(i) && !member.theirs.has(i)) return true;
    return false;
  }

  #count(bitfield: Bitfield, delta: 1 | -1): void {
    for (let i = 0; i < bitfield.length; i++) {
      if (bitfield.has(i)) this.#availability[i] = this.#availability[i]! + delta;
    }
  }

  /** Reveal fresh pieces up to `REVEAL_AHEAD_PIECES` outstanding. */
  #topUp(member: SwarmMember): void {
    const revealed = member.revealed;
    if (revealed === null) return;
    let pending = 0;
    for (let i = 0; i < revealed.length; i++) {
      if (revealed.has(i) && !member.theirs.has(i)) pending++;
    }
    while (pending < REVEAL_AHEAD_PIECES) {
      const index = nextReveal({
        ours: this.source.bitfield,
        theirs: member.theirs,
        revealed,
        availability: this.#availability,
        inFlight: this.#inFlight,
        window: revealWindow(this.#members.size),
        random: this.#random,
      });
      if (index === null) return;
      member.reveal(index);
      this.#inFlight[index]!++;
      pending++;
    }
  }

  /** Tell the newcomer of the others, and the others of the newcomer. */
  #exchangePeers(newcomer: SwarmMember): void {
    const known = [...this.#members]
      .filter((m) => m !== newcomer && m.endpoint !== null)
      .slice(-MAX_EXCHANGED_PEERS)
      .map((m) => ({ peerId: m.peerId, address: m.endpoint! }));
    if (known.length > 0) newcomer.sendPeers(known);
    if (newcomer.endpoint === null) return;
    const entry = [{ peerId: newcomer.peerId, address: newcomer.endpoint }];
    for (const member of this.#members) if (member !== newcomer) member.sendPeers(entry);
  }
}

/** An empty bitfield of the source's size, for a downloader that sees only revealed pieces. */
export function hiddenBitfield(source: PieceSource): Bitfield {
  return new Bitfield(source.bitfield.length);
}
