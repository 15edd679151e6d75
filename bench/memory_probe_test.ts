import assert from "node:assert/strict";
import { describeProbe, probeMemory } from "./memory_probe.ts";

Deno.test("the memory probe times fresh memory, touched memory and a new file, and leaves nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "memory-probe-" });
  try {
    const probe = probeMemory(dir);
    for (const [name, value] of Object.entries(probe)) {
      assert.ok(Number.isFinite(value) && value > 0, `${name} is ${value}`);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the probe's file is removed");
    const line = describeProbe("at start", probe);
    assert.match(
      line,
      /^New memory at start: first touch \d+\.\d\d s\/GiB \(again \d+\.\d\d s\/GiB\), writing a new file \d+\.\d\d s\/GiB$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
