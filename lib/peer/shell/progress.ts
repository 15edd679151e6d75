/**
 * Live progress of running downloads: the status lines an interactive shell draws under its
 * prompt, and the `download_progress` events of `--json`, both at `--progress-interval-ms`.
 *
 *   d1 [g1] f.bin  42%  14.5 MiB/s  ETA 4s  3 peers
 *
 * {@linkcode StatusLines} draws below what the user is typing and puts the cursor back where it
 * was, with relative moves only (a saved absolute position breaks when the screen scrolls).
 */
import type { DownloadStatus } from "../engine/types.ts";
import { formatBytes } from "../support/units.ts";
import { connectedPeers, formatDuration, percentOf, plural } from "./format.ts";

/** How often progress is redrawn or reported, unless `--progress-interval-ms`. */
export const PROGRESS_INTERVAL_MS = 1_000;
/** Status lines drawn at most; more running downloads are summed up in the last one. */
export const MAX_STATUS_LINES = 4;

/** Seconds left at the current rate, or null while nothing arrives. */
export function etaSeconds(status: DownloadStatus): number | null {
  if (status.rate <= 0) return null;
  return Math.ceil(Math.max(0, status.size - status.bytes) / status.rate);
}

/** One status line of a running download. */
export function progressLine(status: DownloadStatus): string {
  const eta = etaSeconds(status);
  const peers = connectedPeers(status);
  return [
    `${status.id} [${status.group}] ${status.file}`,
    `${percentOf(status)}%`,
    `${formatBytes(status.rate)}/s`,
    eta === null ? "ETA -" : `ETA ${formatDuration(eta)}`,
    `${peers} ${plural(peers, "peer")}`,
  ].join("  ");
}

/** The status lines for these downloads: the running ones, at most {@linkcode MAX_STATUS_LINES}. */
export function statusLines(statuses: readonly DownloadStatus[]): string[] {
  const running = statuses.filter((status) => status.state === "D");
  if (running.length <= MAX_STATUS_LINES) return running.map(progressLine);
  const shown = running.slice(0, MAX_STATUS_LINES - 1).map(progressLine);
  const rest = running.length - shown.length;
  return [...shown, `… and ${rest} more ${plural(rest, "download")} (show_downloads)`];
}

/** The fields of a `download_progress` event. */
export function progressFields(status: DownloadStatus): Record<string, unknown> {
  return {
    id: status.id,
    group: status.group,
    file: status.file,
    percent: percentOf(status),
    bytes: status.bytes,
    size: status.size,
    piecesDone: status.piecesDone,
    pieces: status.pieces,
    rate: Math.round(status.rate),
    eta: etaSeconds(status),
    peers: connectedPeers(status),
  };
}

/** The part of a readline `Interface` that {@linkcode StatusLines} reads. */
export interface LineEditor {
  /** The text typed so far. */
  readonly line: string;
  getPrompt(): string;
  /** Where the cursor is, relative to the start of the prompt. */
  getCursorPos(): { rows: number; cols: number };
}

/** Options of {@linkcode StatusLines}. */
export interface StatusLinesOptions {
  /** Writes to the terminal. */
  write(text: string): void;
  /** The line being edited. */
  editor: LineEditor;
  /** The terminal's width (80 when unknown). */
  columns(): number | undefined;
}

const DEFAULT_COLUMNS = 80;
const ESC = "\x1b[";

/**
 * Status lines under the prompt. Every call is made while the prompt shows, the cursor inside
 * the line being edited; each leaves the cursor where it was.
 */
export class StatusLines {
  readonly #options: StatusLinesOptions;
  /** Status lines on screen now, under the last row of the edited line. */
  #drawn = 0;

  constructor(options: StatusLinesOptions) {
    this.#options = options;
  }

  /** How many lines are on screen. */
  get drawn(): number {
    return this.#drawn;
  }

  /** Draw `lines` under the edited line (an empty list clears what was drawn). */
  draw(lines: readonly string[]): void {
    if (lines.length === 0 && this.#drawn === 0) return;
    const columns = this.#options.columns() || DEFAULT_COLUMNS;
    const { editor } = this.#options;
    const cursor = editor.getCursorPos();
    const lastRow = Math.floor(visibleWidth(editor.getPrompt() + editor.line) / columns);
    const down = Math.max(0, lastRow - cursor.rows);
    let out = down > 0 ? `${ESC}${down}B` : "";
    let up = down;
    if (lines.length === 0) {
      // The rows under the edited line exist (they hold the old status lines): no scrolling.
      out += `${ESC}1B\r${ESC}J`;
      up += 1;
    } else {
      // "\r\n" scrolls the screen when the prompt is on its last row; "\x1b[B" would not.
      for (const line of lines) out += `\r\n${ESC}K${fit(line, columns - 1)}`;
      out += `${ESC}J`;
      up += lines.length;
    }
    out += `${ESC}${up}A${ESC}${cursor.cols + 1}G`;
    this.#drawn = lines.length;
    this.#options.write(out);
  }

  /** Erase the edited line and the status lines, leaving the cursor at the start of the prompt. */
  clearAll(): void {
    const { rows } = this.#options.editor.getCursorPos();
    this.#options.write(`${rows > 0 ? `${ESC}${rows}A` : ""}\r${ESC}J`);
    this.#drawn = 0;
  }

  /**
   * readline has just ended the line (it wrote "\r\n" after its last row): the cursor is at the
   * start of the first status line. Erase them, so a command's output starts on a clean screen.
   */
  afterLine(): void {
    if (this.#drawn > 0) this.#options.write(`\r${ESC}J`);
    this.#drawn = 0;
  }
}

/** Cut a line to the terminal's width, so it never wraps (a wrapped line breaks the moves). */
function fit(line: string, width: number): string {
  const chars = [...line];
  if (chars.length <= width) return line;
  return chars.slice(0, Math.max(0, width - 1)).join("") + "…";
}

/** Characters a line takes on screen, escape sequences left out. */
function visibleWidth(text: string): number {
  // deno-lint-ignore no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")].length;
}
