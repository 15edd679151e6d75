import assert from "node:assert/strict";
import { Bitfield } from "../../wire/peer_frames.ts";
import { FileSwarm, type SwarmMember } from "./file_swarm.ts";
import type { PieceSource } from "./served_files.ts";
import { REVEAL_AHEAD_PIECES, REVEAL_WINDOW_PIECES } from "./super_seed.ts";

function sourceOf(pieces: number, isComplete = true): PieceSource {
  return {
    group: "g",
    fileId: "f",
    size: pieces * 16,
    pieceLength: 16,
    bitfield: isComplete ? Bitfield.full(pieces) : new Bitfield(pieces),
    isComplete,
    readPiece: () => Promise.resolve(),
    onPiece: () => () => {},
    addUploaded: () => {},
  };
}

class FakeMember implements SwarmMember {
  readonly peerId: string;
  readonly endpoint: string | null;
  readonly theirs: Bitfield;
  revealed: Bitfield | null;
  sentTotal = 0;
  isChoked = true;
  readonly peersTold: string[] = [];

  constructor(id: string, pieces: number, isHidden: boolean) {
    this.peerId = id;
    this.endpoint = `127.0.0.1:${1000 + id.length}`;
    this.theirs = new Bitfield(pieces);
    this.revealed = isHidden ? new Bitfield(pieces) : null;
  }

  choke(): void {
    this.isChoked = true;
  }
  unchoke(): void {
    this.isChoked = false;
  }
  reveal(index: number): void {
    this.revealed!.set(index);
  }
  sendPeers(peers: readonly { peerId: string; address: string }[]): void {
    this.peersTold.push(...peers.map((p) => p.peerId));
  }
  /** Get `count` of the pieces shown to it, one at a time, each reported to `swarm` (HAVE). */
  takeShown(swarm: FileSwarm, count: number): void {
    for (let round = 0; round < count; round++) {
      const next = this.shown().find((i) => !this.theirs.has(i))!;
      this.theirs.set(next);
      swarm.onHave(this, next);
    }
  }
  shown(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.theirs.length; i++) if (this.revealed?.has(i)) out.push(i);
    return out;
  }
}

Deno.test("FileSwarm while super-seeding shows each downloader different pieces, then more as they arrive", () => {
  const swarm = new FileSwarm(sourceOf(128), { random: Math.random });
  assert.equal(swarm.shouldHide, true, "no copy exists yet");
  const members = ["a", "bb", "ccc", "dddd"].map((id) => new FakeMember(id, 128, true));
  for (const member of members) swarm.join(member);
  const shown = members.map((m) => m.shown());
  for (const pieces of shown) assert.equal(pieces.length, REVEAL_AHEAD_PIECES);
  const all = shown.flat();
  assert.equal(new Set(all).size, all.length, `no piece shown twice: ${JSON.stringify(shown)}`);
  assert.ok(members.every((m) => !m.isChoked), "every interested downloader is served");
  const d = members[3]!;
  const got = shown[3]![0]!;
  d.theirs.set(got);
  swarm.onHave(d, got);
  assert.equal(d.shown().length, REVEAL_AHEAD_PIECES + 1, "one more for the one it got");
  assert.deepEqual(members[3]!.peersTold.sort(), ["a", "bb", "ccc"], "a newcomer hears of all");
  assert.deepEqual(members[0]!.peersTold.sort(), ["bb", "ccc", "dddd"], "and all of it");
});

Deno.test("FileSwarm shows a lone downloader pieces near the front of the file, a crowd pieces from all of it", () => {
  const pieces = 16 * REVEAL_WINDOW_PIECES;
  const swarm = new FileSwarm(sourceOf(pieces), { random: Math.random });
  const lone = new FakeMember("lone", pieces, true);
  swarm.join(lone);
  lone.takeShown(swarm, 20);
  // Before a piece revealed come at most the 20 it holds, the others revealed and not yet held,
  // and fewer than a window of fresh ones.
  const front = Math.max(...lone.shown());
  const bound = 20 + REVEAL_AHEAD_PIECES + REVEAL_WINDOW_PIECES;
  assert.ok(front < bound, `within the window past what it holds and was shown: ${front}`);
  // A second downloader: reveals come from the whole file (for 32 of them, at least one is
  // past the first quarter unless the draw is broken: the chance is 4^-32).
  const other = new FakeMember("other", pieces, true);
  swarm.join(other);
  other.takeShown(swarm, 32);
  assert.ok(Math.max(...other.shown()) >= pieces / 4, `spread: ${other.shown()}`);
});

Deno.test("FileSwarm shows a fresh piece again once the downloader it was shown to leaves", () => {
  const swarm = new FileSwarm(sourceOf(REVEAL_AHEAD_PIECES), { random: Math.random });
  const first = new FakeMember("first", REVEAL_AHEAD_PIECES, true);
  swarm.join(first);
  assert.equal(first.shown().length, REVEAL_AHEAD_PIECES, "every piece is on its way to first");
  const second = new FakeMember("second", REVEAL_AHEAD_PIECES, true);
  swarm.join(second);
  assert.equal(second.shown().length, 0, "nothing fresh: every piece is on its way to first");
  first.theirs.set(0);
  swarm.onHave(first, 0);
  assert.equal(second.shown().length, 0, "piece 0 is at first now: second gets it there");
  swarm.leave(first);
  assert.equal(
    second.shown().length,
    REVEAL_AHEAD_PIECES,
    "first left: what it had and was about to get is fresh again, and shown to second",
  );
});

Deno.test("FileSwarm of a partial file ranks by what each uploads to us, within the slots", () => {
  const received = new Map<string, number>();
  const source = { ...sourceOf(8, false), receivedFrom: received };
  source.bitfield.set(0);
  const swarm = new FileSwarm(source, { slots: 1, random: () => 0 });
  assert.equal(swarm.shouldHide, false, "a partial source shows what it has");
  const members = ["a", "bb", "ccc"].map((id) => new FakeMember(id, 8, false));
  for (const member of members) swarm.join(member);
  received.set("ccc", 1000);
  swarm.round();
  assert.equal(members[2]!.isChoked, false, "the one that sent us most");
  assert.equal(members.filter((m) => !m.isChoked).length, 2, "one slot and one optimistic");
  members[2]!.theirs.set(0);
  swarm.round();
  assert.equal(members[2]!.isChoked, true, "it has all we have: not interested");
});
