/** A download engine for tests of the downloads manager: it records calls; tests drive events. */
import { Bitfield } from "../../wire/peer_frames.ts";
import type {
  DownloadOptions,
  DownloadPlan,
  DownloadState,
  DownloadStatus,
} from "../engine/types.ts";
import type { DownloadHandle } from "../download/manager.ts";
import type { PieceSource } from "../seeder/served_files.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";

/** An engine that does nothing but record calls; tests drive its events. */
export class FakeEngine implements DownloadHandle {
  state: DownloadState = "D";
  calls: string[] = [];
  constructor(readonly plan: DownloadPlan, readonly options: DownloadOptions) {}
  start() {
    this.calls.push("start");
    this.options.served.add(partialSource(this.plan));
  }
  pause() {
    this.calls.push("pause");
    this.state = "P";
  }
  resume() {
    this.calls.push("resume");
    this.state = "D";
  }
  cancel() {
    this.calls.push("cancel");
    return Promise.resolve();
  }
  fail(reason: string) {
    this.calls.push("fail");
    this.state = "F";
    this.options.onEvent({ type: "failed", reason });
    return Promise.resolve();
  }
  status(): DownloadStatus {
    const { id, group, name: file, size, destination: path } = this.plan;
    const pieces = Math.ceil(size / PIECE_SIZE_BYTES);
    return {
      id,
      group,
      file,
      state: this.state,
      piecesDone: 0,
      pieces,
      bytes: 0,
      size,
      rate: 0,
      peers: [],
      isWaiting: false,
      path,
    };
  }
  finish() {
    this.state = "C";
    const { destination: path, size: bytes } = this.plan;
    this.options.onEvent({ type: "finished", path, bytes, seconds: 2 });
  }
}

/** A partial source with no pieces, as an engine registers when it starts. */
export function partialSource(plan: DownloadPlan): PieceSource & { uploaded: number } {
  return {
    group: plan.group,
    fileId: plan.fileId,
    size: plan.size,
    pieceLength: plan.pieceLength,
    bitfield: new Bitfield(Math.ceil(plan.size / plan.pieceLength)),
    isComplete: false,
    uploaded: 0,
    readPiece: () => Promise.reject(new Error("No piece yet")),
    onPiece: () => () => {},
    addUploaded(bytes: number) {
      this.uploaded += bytes;
    },
  };
}
