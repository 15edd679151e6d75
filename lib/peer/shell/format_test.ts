import assert from "node:assert/strict";
import {
  downloadFields,
  formatDownload,
  formatDownloadDetail,
  formatDuration,
  formatShare,
  formatTotals,
  shareRatio,
  transferTotals,
} from "./format.ts";
import type { DownloadStatus } from "../engine/types.ts";
import { downloadStatus } from "../testing/download_status.ts";

const MIB = 1024 * 1024;

function status(fields: Partial<DownloadStatus> = {}): DownloadStatus {
  return downloadStatus({
    peers: [
      { addr: "127.0.0.1:1", bytes: 1 },
      { addr: "127.0.0.1:2", bytes: 2 },
      { addr: "127.0.0.1:3", bytes: 3 },
    ],
    ...fields,
  });
}

Deno.test("formatDownload() prints the state, group, name, progress, rate, peers and ETA", () => {
  assert.equal(
    formatDownload(status({})),
    "[D] [g1] f.bin  42%  14.5 MiB/s  3 peers  ETA 4s  (d1)",
  );
  assert.equal(
    formatDownload(status({ rate: 0, peers: [], isWaiting: true })),
    "[D] [g1] f.bin  42%  waiting for peers  (d1)",
  );
  // Waiting, no rate, peer count or ETA is shown, whatever the last run received.
  assert.equal(
    formatDownload(status({ isWaiting: true })),
    "[D] [g1] f.bin  42%  waiting for peers  (d1)",
  );
  assert.equal(
    formatDownload(status({ state: "P", waitingFor: "login" })),
    "[P] [g1] f.bin  42%  waiting for login  (d1)",
  );
  assert.equal(formatDownload(status({ state: "C", bytes: 100 * MIB })), "[C] [g1] f.bin  (d1)");
  assert.equal(
    formatDownload(status({ state: "F", reason: "no peer has it" })),
    "[F] [g1] f.bin  no peer has it  (d1)",
  );
  assert.equal(formatDownload(status({ state: "P" })), "[P] [g1] f.bin  42%  (d1)");
});

Deno.test("formatDuration() gives seconds, minutes or hours", () => {
  assert.equal(formatDuration(3.2), "4s");
  assert.equal(formatDuration(125), "2m05s");
  assert.equal(formatDuration(3 * 3600 + 120), "3h02m");
});

Deno.test("downloadFields() has the keys of the JSON contract", () => {
  const fields = downloadFields(status({ rate: 1.6 }));
  for (
    const key of ["id", "group", "file", "state", "piecesDone", "pieces", "bytes", "rate", "peers"]
  ) {
    assert.ok(key in fields, key);
  }
  assert.equal(fields.rate, 2);
  assert.deepEqual((fields.peers as unknown[])[0], { addr: "127.0.0.1:1", bytes: 1 });
});

Deno.test("formatShare() shows complete or partial, the size, the bytes uploaded and the ratio", () => {
  const share = {
    group: "g1",
    file: "f.bin",
    fileId: "0".repeat(40),
    size: 12 * MIB,
    uploaded: 3 * MIB,
  };
  assert.equal(
    formatShare({ ...share, state: "complete" }),
    "[S] [g1] f.bin  complete  12.0 MiB  uploaded 3.0 MiB  ratio 0.25",
  );
  assert.equal(
    formatShare({ ...share, state: "partial" }),
    "[P] [g1] f.bin  partial  12.0 MiB  uploaded 3.0 MiB  ratio 0.25",
  );
  assert.equal(shareRatio({ ...share, state: "complete", uploaded: 25 * MIB }), 2.08);
  assert.equal(shareRatio({ ...share, state: "complete", size: 0 }), null);
  assert.equal(
    formatShare({ ...share, state: "complete", size: 0, uploaded: 0 }),
    "[S] [g1] f.bin  complete  0 B  uploaded 0 B  ratio -",
  );
});

Deno.test("formatDownloadDetail() shows path, size, pieces, rates, each peer both ways and the bans", () => {
  const text = formatDownloadDetail(status({
    peers: [
      {
        addr: "127.0.0.1:1",
        peerId: "p1",
        bytes: 3 * MIB,
        rate: 2 * MIB,
        uploaded: MIB,
        uploadRate: 512 * 1024,
        isConnected: true,
        isChoked: false,
        inflight: 4,
      },
      {
        addr: "127.0.0.1:2",
        peerId: "p2",
        bytes: 0,
        rate: 0,
        uploaded: 0,
        uploadRate: 0,
        isConnected: true,
        isChoked: true,
        inflight: 0,
      },
      { addr: "127.0.0.1:3", bytes: MIB, rate: 0, isConnected: false },
    ],
    uploaded: MIB,
    uploadRate: 512 * 1024,
    banned: [{ peer: "127.0.0.1:9", reason: "3 pieces failed their SHA-1 check" }],
  }));
  assert.equal(
    text,
    [
      "[D] [g1] f.bin  42%  14.5 MiB/s  2 peers  ETA 4s  (d1)",
      "  path      /tmp/f.bin",
      "  size      100 MiB (42.0 MiB verified)",
      "  pieces    84 of 200",
      "  rate      14.5 MiB/s down, 512 KiB/s up",
      "  uploaded  1.0 MiB",
      "  peers     2 connected, 1 gone (sent pieces this run):",
      "    PEER         LINK               RECEIVED  DOWN RATE  SENT     UP RATE",
      "    127.0.0.1:1  unchoked, 4 asked  3.0 MiB   2.0 MiB/s  1.0 MiB  512 KiB/s",
      "    127.0.0.1:2  choked             0 B       0 B/s      0 B      0 B/s",
      "    127.0.0.1:3  gone               1.0 MiB   0 B/s      0 B      0 B/s",
      "  banned    127.0.0.1:9: 3 pieces failed their SHA-1 check",
    ].join("\n"),
  );
});

Deno.test("transferTotals() sums uploads and downloads; the ratio is null before any download", () => {
  const share = {
    group: "g1",
    file: "f.bin",
    fileId: "0".repeat(40),
    size: MIB,
    state: "complete" as const,
  };
  assert.deepEqual(transferTotals([{ ...share, uploaded: 3 }], []), {
    uploaded: 3,
    downloaded: 0,
    ratio: null,
  });
  const totals = transferTotals([{ ...share, uploaded: MIB }], [status({ bytes: 3 * MIB })]);
  assert.deepEqual(totals, { uploaded: MIB, downloaded: 3 * MIB, ratio: 0.33 });
  assert.equal(formatTotals(totals), "Total: uploaded 1.0 MiB, downloaded 3.0 MiB, ratio 0.33");
});
