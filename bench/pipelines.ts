/**
 * The baselines of a transfer, each in processes of its own: the ideal pipeline
 * (bench/ideal_seeder.ts and bench/ideal_download.ts: loopback connections, requests in
 * flight, SHA-1 per piece, positional writes, nothing else), in clear or over PeerShare's Noise
 * channel, from N seeders; and the plain local copy (bench/local_copy.ts).
 */
import { hashFile } from "../lib/common/file_hash.ts";
import { Child, freePort, ROOT } from "../tests/helpers/processes.ts";

/** The pieces of the ideal pipeline and of the BitTorrent clients' torrent: PeerShare's. */
export const PIECE_BYTES = 512 * 1024;
/** What bench's own processes may do: loopback only, read anything, write their output. */
export const BENCH_PERMISSIONS = [
  "--no-prompt",
  "--allow-net=127.0.0.1",
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
];

/** The seconds a baseline process printed as its last line, or why it failed. */
async function secondsOf(child: Child, what: string): Promise<number> {
  const status = await child.exited();
  if (!status.success) {
    throw new Error(`${what} failed: ${child.stderr.lines.at(-1) ?? `exit ${status.code}`}`);
  }
  return JSON.parse(child.stdout.lines.at(-1)!).seconds;
}

/** The piece hashes of `source`, written once per file to `<dir>/hashes.bin`. */
export async function writeHashes(dir: string, source: string): Promise<string> {
  const { pieceHashes } = await hashFile(source, { pieceLength: PIECE_BYTES });
  await Deno.writeFile(`${dir}/hashes.bin`, pieceHashes);
  return `${dir}/hashes.bin`;
}

/** Options of {@linkcode idealTransfer}. */
export interface IdealOptions {
  readonly mode: "plain" | "noise";
  readonly seeders: number;
  readonly size: number;
  /** From {@linkcode writeHashes}. */
  readonly hashes: string;
}

/** Seeder processes serving `source` to one downloader process writing `output`: seconds. */
export async function idealTransfer(
  source: string,
  output: string,
  options: IdealOptions,
): Promise<number> {
  const { mode, seeders: count, size, hashes } = options;
  const ports = Array.from({ length: count }, () => freePort());
  const seeders = ports.map((port) =>
    new Child([
      "run",
      ...BENCH_PERMISSIONS,
      `${ROOT}bench/ideal_seeder.ts`,
      mode,
      source,
      `${port}`,
    ])
  );
  try {
    for (const seeder of seeders) await seeder.stdout.waitFor((line) => line === "ready");
    const download = new Child([
      "run",
      ...BENCH_PERMISSIONS,
      `${ROOT}bench/ideal_download.ts`,
      ...[mode, hashes, String(size), output, ...ports.map(String)],
    ]);
    return await secondsOf(download, `The ideal download (${mode})`);
  } finally {
    for (const seeder of seeders) await seeder[Symbol.asyncDispose]();
  }
}

/** bench/local_copy.ts of `source` to `output` (which must not exist): seconds. */
export async function localCopy(source: string, output: string): Promise<number> {
  const copy = new Child([
    "run",
    ...BENCH_PERMISSIONS,
    `${ROOT}bench/local_copy.ts`,
    source,
    output,
  ]);
  return await secondsOf(copy, "The local copy");
}
