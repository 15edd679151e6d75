/**
 * A running download's status as the engine reports it (84 of 200 pieces, 42 of 100 MiB,
 * 14.5 MiB/s, one peer), for tests of what the shell prints; pass what a test needs different.
 */
import type { DownloadStatus } from "../engine/types.ts";

const MIB = 1024 * 1024;

/** A status with `fields` over the defaults. */
export function downloadStatus(fields: Partial<DownloadStatus> = {}): DownloadStatus {
  return {
    id: "d1",
    group: "g1",
    file: "f.bin",
    state: "D",
    piecesDone: 84,
    pieces: 200,
    bytes: 42 * MIB,
    size: 100 * MIB,
    rate: 14.5 * MIB,
    peers: [{ addr: "127.0.0.1:1", bytes: 1 }],
    isWaiting: false,
    path: "/tmp/f.bin",
    ...fields,
  };
}
