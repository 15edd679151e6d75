/**
 * What a real tracker logs about a partner that is down: one line when the link goes down, one
 * when it is back, however often the link retries in between.
 */
import { equal } from "node:assert/strict";
import { waitUntil } from "../lib/common/test_util.ts";
import { Cluster } from "./helpers/cluster.ts";
import { tempDir } from "./helpers/processes.ts";

const RETRIES = 4;

/** A partner that accepts and at once closes every connection, counting them. */
function brokenPartner(port: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const counter = { accepted: 0 };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        counter.accepted++;
        conn.close();
      }
    } catch (error) {
      // Closing the listener ends the loop.
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  })();
  return {
    counter,
    async close() {
      listener.close();
      await loop;
    },
  };
}

Deno.test("a tracker logs one line when its partner goes down and one when it is back", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  const partner = brokenPartner(cluster.ports[1]!);
  const one = await cluster.start(1);
  const downLines = () => one.stderr.lines.filter((line) => line.includes("is down")).length;
  const replicationLines = () =>
    one.stderr.lines.filter((line) => line.includes("Replication to")).length;
  try {
    // Wait for the link to have tried several times (each try is one accepted connection).
    await waitUntil(`${RETRIES} tries to reach the partner`, () => {
      return partner.counter.accepted >= RETRIES;
    });
  } finally {
    await partner.close();
  }
  equal(replicationLines(), 1, one.stderr.text());
  equal(downLines(), 1, one.stderr.text());

  await cluster.start(2);
  await one.stderr.waitFor((line) => line.includes("is back after"));
  await cluster.kill(2);
  await waitUntil("the second down line", () => downLines() === 2);
  equal(replicationLines(), 3, one.stderr.text());
});
