/** What the demo prints: a live progress bar per downloader, then the summary. */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

const BAR_CHARS = 30;
const MIB = 1024 * 1024;
const READ_CHUNK_BYTES = 4 * MIB;
const isTerminal = Deno.stdout.isTerminal();
const encoder = new TextEncoder();

/** One downloader's line. */
export interface Progress {
  readonly name: string;
  readonly state: string;
  readonly bytes: number;
  readonly size: number;
  readonly rate: number;
  readonly peers: number;
}

/** Write text to stdout at once. */
export function say(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text + "\n"));
}

/** `64.0 MiB`. */
export function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function bar(progress: Progress): string {
  const fraction = progress.size === 0 ? 1 : progress.bytes / progress.size;
  const filled = Math.round(fraction * BAR_CHARS);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const rate = progress.state === "D"
    ? `  ${mib(progress.rate)}/s  ${progress.peers} peer${progress.peers === 1 ? "" : "s"}`
    : "";
  return `  ${progress.name.padEnd(6)} [${"#".repeat(filled)}${"-".repeat(BAR_CHARS - filled)}] ` +
    `${percent}  [${progress.state}]${rate}`;
}

/** Redraws the bars in place on a terminal; elsewhere prints them every few seconds. */
export class ProgressView {
  #drawn = 0;
  #lastPrint = 0;

  draw(lines: readonly Progress[]): void {
    if (isTerminal) {
      const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
      const text = lines.map((line) => `\r\x1b[K${bar(line)}`).join("\n");
      Deno.stdout.writeSync(encoder.encode(up + text + "\n"));
      this.#drawn = lines.length;
    } else if (Date.now() - this.#lastPrint > 2_000 || lines.every((l) => l.state === "C")) {
      this.#lastPrint = Date.now();
      say(lines.map(bar).join("\n"));
    }
  }
}

/** Hex SHA-1 of a file, read in chunks. */
export async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash("sha1");
  await using file = await open(path, "r");
  const buffer = new Uint8Array(READ_CHUNK_BYTES);
  while (true) {
    const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return hash.digest("hex");
    hash.update(buffer.subarray(0, bytesRead));
  }
}

/** Write `bytes` of random data to `path`; returns its SHA-1. */
export async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash("sha1");
  await using file = await open(path, "w");
  const chunk = new Uint8Array(MIB);
  for (let written = 0; written < bytes; written += chunk.length) {
    // getRandomValues fills at most 64 KiB per call.
    for (let at = 0; at < chunk.length; at += 65_536) {
      crypto.getRandomValues(chunk.subarray(at, at + 65_536));
    }
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
    hash.update(part);
    await file.write(part);
  }
  return hash.digest("hex");
}
