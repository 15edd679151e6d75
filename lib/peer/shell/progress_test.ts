import assert from "node:assert/strict";
import type { DownloadStatus } from "../engine/types.ts";
import {
  type LineEditor,
  progressFields,
  progressLine,
  StatusLines,
  statusLines,
} from "./progress.ts";
import { downloadStatus } from "../testing/download_status.ts";

const MIB = 1024 * 1024;

/**
 * A tiny terminal: a grid of rows and a cursor, for the sequences StatusLines and readline
 * write (text, \r, \n that scrolls at the bottom, ESC[nA/B/G, ESC[K, ESC[J).
 */
export class VirtualTerminal {
  rows: string[];
  row = 0;
  col = 0;
  constructor(readonly height: number, readonly width: number) {
    this.rows = Array.from({ length: height }, () => "");
  }
  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      if (char === "\x1b") {
        // deno-lint-ignore no-control-regex
        const match = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i))!;
        this.#control(Number(match[1] || "1"), match[2]!, match[1] === "");
        i += match[0].length - 1;
      } else if (char === "\r") this.col = 0;
      else if (char === "\n") this.#newline();
      else {
        if (this.col >= this.width) [this.col] = [0, this.#newline()];
        const line = this.rows[this.row]!.padEnd(this.col);
        this.rows[this.row] = line.slice(0, this.col) + char + line.slice(this.col + 1);
        this.col++;
      }
    }
  }
  /** The screen without trailing blanks. */
  screen(): string[] {
    const rows = this.rows.map((row) => row.trimEnd());
    while (rows.length > 0 && rows.at(-1) === "") rows.pop();
    return rows;
  }
  #newline(): void {
    if (this.row === this.height - 1) this.rows = [...this.rows.slice(1), ""];
    else this.row++;
  }
  #control(n: number, code: string, isDefault: boolean): void {
    if (code === "A") this.row = Math.max(0, this.row - n);
    else if (code === "B") this.row = Math.min(this.height - 1, this.row + n);
    else if (code === "G") this.col = n - 1;
    else if (code === "K") this.rows[this.row] = this.rows[this.row]!.slice(0, this.col);
    else if (code === "J") {
      this.rows[this.row] = this.rows[this.row]!.slice(0, this.col);
      for (let r = this.row + 1; r < this.height; r++) this.rows[r] = "";
    } else throw new Error(`Unexpected ESC[${isDefault ? "" : n}${code}`);
  }
}

/** A line editor as readline would show it: prompt and typed text on the terminal. */
class FakeEditor implements LineEditor {
  line = "";
  cursor = 0;
  constructor(readonly terminal: VirtualTerminal, readonly prompt = "alice> ") {}
  getPrompt() {
    return this.prompt;
  }
  getCursorPos() {
    const offset = this.prompt.length + this.cursor;
    return { rows: Math.floor(offset / this.terminal.width), cols: offset % this.terminal.width };
  }
  /** Type at the end of the line, as readline echoes it. */
  type(text: string) {
    this.terminal.write(text);
    this.line += text;
    this.cursor += text.length;
  }
  showPrompt() {
    this.terminal.write(this.prompt + this.line);
  }
}

function setUp(height = 6, width = 60) {
  const terminal = new VirtualTerminal(height, width);
  const editor = new FakeEditor(terminal);
  const status = new StatusLines({
    write: (text) => terminal.write(text),
    editor,
    columns: () => width,
  });
  return { terminal, editor, status };
}

function download(fields: Partial<DownloadStatus> = {}): DownloadStatus {
  return downloadStatus({ ...fields });
}

Deno.test("progressLine() shows percent, rate, ETA and peers, with the right plural", () => {
  assert.equal(progressLine(download()), "d1 [g1] f.bin  42%  14.5 MiB/s  ETA 4s  1 peer");
  assert.equal(
    progressLine(download({ rate: 0, peers: [] })),
    "d1 [g1] f.bin  42%  0 B/s  ETA -  0 peers",
  );
});

Deno.test("statusLines() lists running downloads only, at most four lines", () => {
  const list = ["d1", "d2", "d3", "d4", "d5", "d6"].map((id) => download({ id }));
  assert.deepEqual(statusLines([download({ state: "P" }), download({ state: "C" })]), []);
  const lines = statusLines(list);
  assert.equal(lines.length, 4);
  assert.equal(lines[3], "… and 3 more downloads (show_downloads)");
});

Deno.test("progressFields() gives whole numbers and the ETA in seconds", () => {
  const fields = progressFields(download({ rate: 1.6 * MIB }));
  assert.equal(fields.percent, 42);
  assert.equal(fields.rate, Math.round(1.6 * MIB));
  assert.equal(fields.eta, 37);
  assert.equal(progressFields(download({ rate: 0 })).eta, null);
});

Deno.test("StatusLines.draw() writes under the prompt and leaves the cursor in the typed text", () => {
  const { terminal, editor, status } = setUp();
  editor.showPrompt();
  editor.type("list_gr");
  status.draw(["d1 42%", "d2 10%"]);
  assert.deepEqual(terminal.screen(), ["alice> list_gr", "d1 42%", "d2 10%"]);
  assert.deepEqual([terminal.row, terminal.col], [0, "alice> list_gr".length]);
  // Typing goes on where it was; a redraw replaces the lines in place.
  editor.type("oups");
  status.draw(["d1 43%"]);
  assert.deepEqual(terminal.screen(), ["alice> list_groups", "d1 43%"]);
  assert.deepEqual([terminal.row, terminal.col], [0, "alice> list_groups".length]);
  status.draw([]);
  assert.deepEqual(terminal.screen(), ["alice> list_groups"]);
  assert.equal(status.drawn, 0);
});

Deno.test("StatusLines.draw() at the bottom of the screen scrolls and still comes back", () => {
  const { terminal, editor, status } = setUp(3);
  terminal.write("one\r\ntwo\r\n");
  editor.showPrompt();
  editor.type("he");
  status.draw(["d1 42%", "d2 10%"]);
  assert.deepEqual(terminal.screen(), ["alice> he", "d1 42%", "d2 10%"]);
  editor.type("lp");
  assert.deepEqual(terminal.screen()[0], "alice> help");
  status.draw(["d1 50%", "d2 11%"]);
  assert.deepEqual(terminal.screen(), ["alice> help", "d1 50%", "d2 11%"]);
});

Deno.test("StatusLines cuts a line to the terminal's width, so it never wraps", () => {
  const { terminal, editor, status } = setUp(4, 20);
  editor.showPrompt();
  status.draw(["x".repeat(50)]);
  assert.deepEqual(terminal.screen(), ["alice>", "x".repeat(18) + "…"]);
});

Deno.test("StatusLines.clearAll() and afterLine() leave a clean screen for output", () => {
  const { terminal, editor, status } = setUp();
  editor.showPrompt();
  editor.type("abc");
  status.draw(["d1 42%"]);
  status.clearAll();
  terminal.write("Download d2 finished\r\n");
  editor.showPrompt();
  status.draw(["d1 43%"]);
  assert.deepEqual(terminal.screen(), ["Download d2 finished", "alice> abc", "d1 43%"]);
  // Enter: readline writes "\r\n" after the line, then the shell erases the status lines.
  terminal.write("\r\n");
  status.afterLine();
  terminal.write("Error: Unknown command\r\n");
  assert.deepEqual(terminal.screen(), [
    "Download d2 finished",
    "alice> abc",
    "Error: Unknown command",
  ]);
});
