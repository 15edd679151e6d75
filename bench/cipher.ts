/**
 * The cipher part: the connections' two ciphers alone (bench/cipher_seal.ts, a process per run:
 * 1 GiB, 256 MiB with `--quick`, sealed then opened in full 64 KiB records through CipherState),
 * each beside `openssl speed -evp` of the same cipher at the same record size (OpenSSL's own loop
 * over the same library: the machine's limit for that cipher), and AES-256-GCM beside
 * ChaCha20-Poly1305 (what the negotiation gains where it picks AES-256-GCM). Rounds rotate the
 * order.
 */
import { ROOT } from "../tests/helpers/processes.ts";
import { type BenchContext, GIB, type PartResult, sizeName } from "./context.ts";
import { BENCH_PERMISSIONS } from "./pipelines.ts";
import { fromRuns, type Row } from "./report.ts";
import { summarize } from "./stats.ts";

type Cipher = "ChaChaPoly" | "AESGCM";
const CIPHERS: Cipher[] = ["AESGCM", "ChaChaPoly"];
const OPENSSL_NAMES: Record<Cipher, string> = {
  ChaChaPoly: "chacha20-poly1305",
  AESGCM: "aes-256-gcm",
};
/** A full record's plaintext (lib/wire/cipher_state.ts MAX_PLAINTEXT_BYTES). */
const RECORD_BYTES = 65_519;

interface SealRun {
  readonly implementation: string;
  readonly preferred: Cipher;
  readonly sealSeconds: number;
  readonly openSeconds: number;
}

async function sealRun(cipher: Cipher, size: number): Promise<SealRun> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...BENCH_PERMISSIONS, `${ROOT}bench/cipher_seal.ts`, cipher, String(size)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!success) {
    throw new Error(`bench/cipher_seal.ts failed: ${text.decode(stderr).trim().split("\n")[0]}`);
  }
  return JSON.parse(text.decode(stdout).trim().split("\n").at(-1)!);
}

/** Seconds `openssl speed` takes for `size` bytes of `cipher` in full records. */
async function opensslSeconds(cipher: Cipher, size: number): Promise<number> {
  const args = ["speed", "-evp", OPENSSL_NAMES[cipher], "-bytes", String(RECORD_BYTES)];
  const { success, stdout } = await new Deno.Command("openssl", {
    args: [...args, "-seconds", "1"],
    stdout: "piped",
    stderr: "null",
  }).output();
  // The last line: the cipher's name, then thousands of bytes per second.
  const last = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  const kilobytes = Number(last.trim().split(/\s+/).at(-1)?.replace(/k$/, ""));
  if (!success || !(kilobytes > 0)) throw new Error(`openssl speed gave no rate: "${last}"`);
  return size / (kilobytes * 1000);
}

/** Both ciphers and openssl's figure for each, `ctx.rounds` times in rotating order. */
export async function cipherPart(ctx: BenchContext): Promise<PartResult> {
  const size = ctx.isQuick ? GIB / 4 : GIB;
  const seal = new Map<Cipher, number[]>(CIPHERS.map((c) => [c, []]));
  const open = new Map<Cipher, number[]>(CIPHERS.map((c) => [c, []]));
  const openssl = new Map<Cipher, number[]>(CIPHERS.map((c) => [c, []]));
  let last: SealRun | null = null;
  for (let round = 0; round < ctx.rounds; round++) {
    const order = round % 2 === 0 ? CIPHERS : [...CIPHERS].reverse();
    for (const cipher of order) {
      console.log(`  ${sizeName(size)}, round ${round + 1}/${ctx.rounds}: ${cipher}…`);
      last = await sealRun(cipher, size);
      seal.get(cipher)!.push(last.sealSeconds);
      open.get(cipher)!.push(last.openSeconds);
      openssl.get(cipher)!.push(await opensslSeconds(cipher, size));
    }
  }
  const part = "cipher";
  const scenario = `${sizeName(size)}, 64 KiB records`;
  const measure = (name: string, runs: number[]) => fromRuns(name, "s", summarize(runs));
  const rows: Row[] = [];
  for (const cipher of CIPHERS) {
    const speed = measure(`openssl speed ${OPENSSL_NAMES[cipher]}`, openssl.get(cipher)!);
    rows.push(
      { part, scenario, figure: measure(`${cipher} seal`, seal.get(cipher)!), baseline: speed },
      { part, scenario, figure: measure(`${cipher} open`, open.get(cipher)!), baseline: speed },
    );
  }
  rows.push({
    part,
    scenario,
    figure: measure("AESGCM seal", seal.get("AESGCM")!),
    baseline: measure("ChaChaPoly seal", seal.get("ChaChaPoly")!),
    note: `(${last!.implementation}; this machine asks for ${last!.preferred})`,
  });
  return {
    rows,
    details: {
      bytes: size,
      seal: Object.fromEntries(seal),
      open: Object.fromEntries(open),
      openssl: Object.fromEntries(openssl),
    },
  };
}
