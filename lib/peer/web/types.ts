/**
 * What the dashboard needs of the rest of the peer, handed in by run.ts: the shell's command
 * runner (so every action is the shell's own command), the state the shell's show_ commands
 * read, and the event stream `--json` prints.
 */
import type { DownloadStatus, PieceMap } from "../engine/types.ts";
import type { ShareStatus } from "../share/sharing.ts";

/** A command's JSON line, as `--json` prints it, plus the text the shell would print. */
export type CommandReply = Record<string, unknown> & {
  readonly ok: boolean;
  readonly command: string;
  readonly text: string;
};

/** The logged-in user and the tracker in use now. */
export interface SessionView {
  readonly user: string | null;
  /** `IP:PORT` of the tracker the client talks to, or null when none answers. */
  readonly tracker: string | null;
}

/** The peer, as the dashboard sees it. */
export interface DashboardSources {
  /** Run one shell command (name and arguments already split); never throws. */
  runCommand(name: string, args: readonly string[]): Promise<CommandReply>;
  session(): SessionView;
  downloads(): DownloadStatus[];
  pieceMap(id: string): PieceMap | null;
  shares(): ShareStatus[];
  /**
   * Call `listener` with every event's JSON line (the `--json` stream).
   *
   * @returns a function that stops it
   */
  onEvent(listener: (line: Record<string, unknown>) => void): () => void;
}
