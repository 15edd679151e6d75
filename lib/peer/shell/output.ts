/**
 * What the shell writes to stdout: one outcome per command (text for a person, a JSON line
 * with `--json`), events, and plain tables.
 */
import { toCommandError } from "../support/codes.ts";

/** What a command produced: fields for its JSON line, and the text a person reads. */
export interface CommandOutcome {
  /** Extra keys of the JSON line, after `ok` and `command`. */
  readonly fields?: Record<string, unknown>;
  /** One short line, or a small table. */
  readonly text: string;
}

/** Writes one whole chunk of text. */
export type TextSink = (text: string) => void;

const encoder = new TextEncoder();

/**
 * Write text to stdout, all of it before returning, so a line is never interleaved with
 * another. A closed stdout (the reader went away) drops the text: there is no one to tell.
 */
export function writeStdout(text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** What one JSON line holds: a command's result or refusal, or an event. */
export type JsonLine = Record<string, unknown>;

/** The JSON line of a command that succeeded: `{"ok":true,"command":…,…fields}`. */
export function resultLine(command: string, outcome: CommandOutcome): JsonLine {
  return { ok: true, command, ...outcome.fields };
}

/** The JSON line of a refused command: `{"ok":false,"command":…,"code":…,"error":…}`. */
export function errorLine(command: string, error: unknown): JsonLine {
  const { code, message } = toCommandError(error);
  return { ok: false, command, code, error: message };
}

/** Receives every event as its JSON line, whether or not `--json` prints it. */
export type EventListener = (line: JsonLine) => void;

/**
 * Prints command results, errors and events: human text by default, or exactly one JSON line
 * each with `--json`. Nothing else writes to stdout; logs go to stderr.
 */
export class Output {
  /** One JSON line per command and event, instead of human text. */
  readonly isJson: boolean;
  readonly #write: TextSink;
  #aroundEvent: { before: () => void; after: () => void } | null = null;
  readonly #listeners = new Set<EventListener>();

  /** Write to stdout unless `write` is given (tests collect lines). */
  constructor(options: { isJson: boolean; write?: TextSink }) {
    this.isJson = options.isJson;
    this.#write = options.write ?? writeStdout;
  }

  /** A command succeeded. */
  result(command: string, outcome: CommandOutcome): void {
    this.#line(resultLine(command, outcome), outcome.text);
  }

  /** A command failed: one line with its code; never a stack trace. */
  error(command: string, error: unknown): void {
    this.#line(errorLine(command, error), `Error: ${toCommandError(error).message}`);
  }

  /**
   * Something happened that no command asked for; its JSON line has an `event` key. Every
   * listener (the dashboard) gets the same line.
   */
  event(name: string, fields: Record<string, unknown>, text: string): void {
    const line = { event: name, ...fields };
    this.#aroundEvent?.before();
    this.#line(line, text);
    this.#aroundEvent?.after();
    for (const listener of this.#listeners) listener(line);
  }

  /**
   * Call `listener` with every event from now on.
   *
   * @returns a function that stops it
   */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A line for a person only (a hint, a farewell): printed in human mode, never with `--json`,
   * whose lines are all commands and events.
   */
  note(text: string): void {
    if (this.isJson) return;
    this.#aroundEvent?.before();
    this.#write(text + "\n");
    this.#aroundEvent?.after();
  }

  /** Run these around each event, so a terminal shell can redraw its prompt after it. */
  aroundEvents(hooks: { before: () => void; after: () => void } | null): void {
    this.#aroundEvent = hooks;
  }

  #line(json: Record<string, unknown>, text: string): void {
    // A command with nothing to say (quit) prints no empty line; its JSON line still comes.
    if (!this.isJson && text === "") return;
    this.#write((this.isJson ? JSON.stringify(json, roundFloats) : text) + "\n");
  }
}

/** Fraction digits kept in JSON: `"seconds":0.148`, not `0.14843449399999997`. */
export const JSON_FRACTION_DIGITS = 3;
const JSON_SCALE = 10 ** JSON_FRACTION_DIGITS;

/** A `JSON.stringify` replacer that rounds every non-integer number. */
function roundFloats(_key: string, value: unknown): unknown {
  if (typeof value !== "number" || Number.isInteger(value) || !Number.isFinite(value)) {
    return value;
  }
  return Math.round(value * JSON_SCALE) / JSON_SCALE;
}

/**
 * Lay rows out in columns under a header, each column as wide as its widest cell.
 *
 * @example
 * ```ts
 * formatTable(["GROUP", "OWNER"], [["g1", "alice"]]); // "GROUP  OWNER\ng1     alice"
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  const render = (cells: readonly string[]) =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ");
  return [render(headers), ...rows.map(render)].join("\n");
}
