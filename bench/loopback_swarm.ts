/**
 * A flash crowd on loopback, for `deno task bench`: one seeder peer shares a file and N
 * downloader peers start downloading it together. Loopback has no bandwidth limit, so time says
 * little here (bench/swarm.ts measures that in a shaped network); what it shows is how much the
 * seeder itself had to upload, as a multiple of the file (one copy is the floor), read from its
 * own show_shares counter. Every copy's SHA-1 is checked.
 */
import { Cluster } from "../tests/helpers/cluster.ts";
import { sha1OfFile } from "../tests/helpers/files.ts";
import { type JsonLine, PeerProcess } from "../tests/helpers/peer.ts";

/** What one crowd measured. */
export interface CrowdResult {
  readonly downloaders: number;
  /** Until the last downloader's download_finished. */
  readonly seconds: number;
  /** The seeder's uploaded bytes ÷ the file size. */
  readonly seederUploadRatio: number;
}

async function expectOk(peer: PeerProcess, line: string, timeoutMs = 120_000): Promise<JsonLine> {
  const reply = await peer.command(line, timeoutMs);
  if (reply.ok !== true) throw new Error(`"${line}" failed: ${JSON.stringify(reply)}`);
  return reply;
}

/** A tracker, one seeder peer sharing `source`, `downloaders` peers fetching it at once. */
export async function flashCrowd(
  dir: string,
  source: string,
  options: { downloaders: number; size: number; sha1: string },
): Promise<CrowdResult> {
  await using cluster = await Cluster.create(dir, 1);
  await cluster.start(1);
  const peers: PeerProcess[] = [];
  try {
    for (let i = 0; i <= options.downloaders; i++) {
      peers.push(await PeerProcess.start(cluster.infoPath, `${dir}/peer-${i}`));
    }
    const [seeder, ...crowd] = peers as [PeerProcess, ...PeerProcess[]];
    await expectOk(seeder, "create_user seeder pw");
    await expectOk(seeder, "login seeder pw");
    await expectOk(seeder, "create_group crowd");
    await expectOk(seeder, `upload_file ${source} crowd`);
    for (const [i, peer] of crowd.entries()) {
      await expectOk(peer, `create_user d${i} pw`);
      await expectOk(peer, `login d${i} pw`);
      await expectOk(peer, "join_group crowd");
      await expectOk(seeder, `accept_request crowd d${i}`);
    }
    const name = source.split("/").at(-1)!;
    const started = performance.now();
    await Promise.all(
      crowd.map((peer, i) => expectOk(peer, `download_file crowd ${name} ${dir}/copy-${i}.bin`)),
    );
    await Promise.all(crowd.map((peer) => peer.event("download_finished", 600_000)));
    const seconds = (performance.now() - started) / 1000;
    for (let i = 0; i < crowd.length; i++) {
      const copy = `${dir}/copy-${i}.bin`;
      if (await sha1OfFile(copy) !== options.sha1) throw new Error(`${copy}: SHA-1 mismatch`);
      await Deno.remove(copy);
    }
    const shares = (await expectOk(seeder, "show_shares")).shares as { uploaded: number }[];
    const uploaded = shares.reduce((sum, share) => sum + share.uploaded, 0);
    return { downloaders: crowd.length, seconds, seederUploadRatio: uploaded / options.size };
  } finally {
    for (const peer of peers) await peer[Symbol.asyncDispose]();
  }
}
