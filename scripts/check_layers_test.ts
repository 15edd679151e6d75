import assert from "node:assert/strict";
import { checkImport, findCycles, importsOf, roomOf } from "./check_layers.ts";

Deno.test("roomOf() names the room of a file under lib/", () => {
  assert.equal(roomOf("lib/common/hash.ts"), "common");
  assert.equal(roomOf("lib/tracker/state/state.ts"), "tracker/state");
  assert.equal(roomOf("lib/tracker/server.ts"), "tracker");
  assert.equal(roomOf("lib/peer/engine/picker.ts"), "peer/engine");
  assert.equal(roomOf("lib/peer/run.ts"), "peer/app");
  assert.equal(roomOf("tests/cluster_test.ts"), null);
});

Deno.test("importsOf() tells type-only imports from value imports", () => {
  const text = `import type { A } from "../shell/commands.ts";\n` +
    `import { type B, c } from "./x.ts";\nimport {\n  type D,\n  type E,\n} from "./y.ts";\n` +
    `export { f } from "../support/z.ts";\n`;
  const found = importsOf("lib/peer/engine/picker.ts", text);
  assert.deepEqual(found.map((i) => [i.to, i.isTypeOnly]), [
    ["lib/peer/shell/commands.ts", true],
    ["lib/peer/engine/x.ts", false],
    ["lib/peer/engine/y.ts", true],
    ["lib/peer/support/z.ts", false],
  ]);
});

Deno.test("checkImport() refuses a wrong-way import and allows the layered ones", () => {
  const imp = (from: string, to: string, isTypeOnly = false) =>
    checkImport({ from, to, isTypeOnly });
  assert.match(imp("lib/peer/engine/picker.ts", "lib/peer/shell/commands.ts") ?? "", /may not/);
  assert.match(imp("lib/common/hash.ts", "lib/wire/frame.ts") ?? "", /may not/);
  assert.match(imp("lib/tracker/server.ts", "lib/peer/run.ts") ?? "", /may not/);
  assert.match(imp("lib/tracker/state/state.ts", "lib/tracker/store.ts") ?? "", /may not/);
  assert.match(
    imp("lib/peer/seeder/server.ts", "lib/peer/testing/fake_api.ts") ?? "",
    /tests only/,
  );
  assert.match(imp("lib/peer/engine/download_test.ts", "tests/helpers/peer.ts") ?? "", /never/);
  assert.match(imp("lib/peer/shell/shell.ts", "lib/peer/download/manager.ts") ?? "", /may not/);
  assert.equal(imp("lib/peer/shell/shell.ts", "lib/peer/download/manager.ts", true), null);
  assert.equal(imp("lib/peer/engine/picker.ts", "lib/common/hash.ts"), null);
  assert.equal(imp("lib/peer/download/runs.ts", "lib/peer/engine/types.ts"), null);
  assert.equal(imp("lib/peer/engine/download_test.ts", "lib/peer/testing/mod.ts"), null);
  assert.equal(imp("tests/transfer_basic_test.ts", "lib/peer/engine/download.ts"), null);
});

Deno.test("findCycles() finds a cycle through type imports and none in a chain", () => {
  const edge = (from: string, to: string) => ({ from, to, isTypeOnly: true });
  assert.deepEqual(findCycles([edge("a", "b"), edge("b", "c")]), []);
  assert.deepEqual(findCycles([edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "d")]), [[
    "a",
    "b",
    "c",
  ]]);
});
