/**
 * A download of a file this peer already serves complete (a share) is a local copy: every
 * missing piece is read from that source and goes through the same check and write as a piece
 * from the network (the piece worker), and the download never announces itself as a partial seeder (that announcement would
 * replace the complete one at the tracker and take a seeder off the list).
 */
import { describeError } from "../../common/errors.ts";
import { pieceSpan } from "../../common/hash.ts";
import type { Logger } from "../../common/logger.ts";
import type { Bitfield } from "../../wire/peer_frames.ts";
import type { PieceSource, ServedFiles } from "../seeder/served_files.ts";
import type { DownloadPlan } from "./types.ts";
import type { PieceSink } from "./link_pool.ts";

/** A complete source of the plan's file that this peer serves already, other than `own`. */
export function localSourceOf(
  served: ServedFiles,
  plan: DownloadPlan,
  own: PieceSource,
): PieceSource | undefined {
  const source = served.get(plan.group, plan.fileId);
  const isUsable = source !== undefined && source !== own && source.isComplete &&
    source.size === plan.size && source.pieceLength === plan.pieceLength;
  return isUsable ? source : undefined;
}

/** What {@linkcode copyLocally} writes into. */
export interface CopyTarget {
  /** The pieces written so far. */
  readonly written: Bitfield;
  /** Checks and writes each piece. */
  readonly sink: PieceSink;
  /** Whether to go on (the download still runs). */
  isRunning(): boolean;
  logger?: Logger;
}

/**
 * Copy every missing piece from `source`, each checked against its hash.
 *
 * @returns whether every piece was copied (else the swarm fetches the rest)
 */
export async function copyLocally(
  source: PieceSource,
  plan: DownloadPlan,
  target: CopyTarget,
): Promise<boolean> {
  const { size, pieceLength } = plan;
  const puts = new Set<Promise<void>>();
  let isIntact = true;
  for (let index = 0; index < target.written.length && isIntact; index++) {
    if (!target.isRunning()) break;
    if (target.written.has(index)) continue;
    const data = new Uint8Array(pieceSpan(index, size, pieceLength).length);
    try {
      await source.readPiece(index, data);
    } catch (error) {
      target.logger?.warn(`Cannot copy the shared file: ${describeError(error)}`);
      isIntact = false;
      break;
    }
    const put: Promise<void> = target.sink.put(index, data).then((result) => {
      if (result === "written") return;
      if (result === "corrupt" && isIntact) {
        target.logger?.warn(`Piece ${index} of the shared file failed its SHA-1 check`);
      }
      isIntact = false;
    }).finally(() => puts.delete(put));
    puts.add(put);
    await target.sink.room();
  }
  await Promise.all(puts);
  return isIntact && target.written.isComplete;
}
