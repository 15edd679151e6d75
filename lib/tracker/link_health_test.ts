import { deepStrictEqual, equal } from "node:assert/strict";
import { Logger } from "../common/logger.ts";
import { LinkHealth } from "./link_health.ts";

function health() {
  const lines: string[] = [];
  const clock = { ms: 0 };
  const logger = new Logger("tracker 1", { sink: (line) => lines.push(line) });
  return { lines, clock, health: new LinkHealth("127.0.0.1:7002", logger, () => clock.ms) };
}

Deno.test("LinkHealth logs one line when the link goes down, however often it fails", () => {
  const { lines, health: link } = health();
  for (let i = 0; i < 20; i++) link.down("Connection refused");
  equal(link.isDown, true);
  deepStrictEqual(lines, [
    "[tracker 1] warning: Replication to 127.0.0.1:7002 is down: Connection refused " +
    "(retrying; one line when it is back)",
  ]);
});

Deno.test("LinkHealth logs one line when the link is back, and again at the next failure", () => {
  const { lines, clock, health: link } = health();
  link.up("t2");
  link.down("Link closed");
  clock.ms += 12_400;
  link.down("Connection refused");
  link.up("t2");
  link.down("Connection refused");
  deepStrictEqual(lines.map((line) => line.replace(/ \(retrying.*/, "")), [
    "[tracker 1] Replicating to t2 at 127.0.0.1:7002",
    "[tracker 1] warning: Replication to 127.0.0.1:7002 is down: Link closed",
    "[tracker 1] Replication to t2 at 127.0.0.1:7002 is back after 12 s down",
    "[tracker 1] warning: Replication to 127.0.0.1:7002 is down: Connection refused",
  ]);
});
