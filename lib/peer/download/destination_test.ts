import assert from "node:assert/strict";
import { resolveDestination } from "./destination.ts";
import { tempDir } from "../../common/test_util.ts";

Deno.test("resolveDestination() puts the file inside a folder, or at a new path", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  assert.equal(await resolveDestination(dir, "f.bin"), `${dir}/f.bin`);
  assert.equal(await resolveDestination(`${dir}/other.bin`, "f.bin"), `${dir}/other.bin`);
  await Deno.writeTextFile(`${dir}/f.bin`, "x");
  await assert.rejects(resolveDestination(dir, "f.bin"), { code: "destination_exists" });
  await assert.rejects(resolveDestination(`${dir}/f.bin`, "g.bin"), {
    code: "destination_exists",
  });
  await Deno.symlink(`${dir}/nowhere`, `${dir}/link.bin`);
  await assert.rejects(resolveDestination(`${dir}/link.bin`, "g.bin"), {
    code: "destination_exists",
  });
  await assert.rejects(resolveDestination(`${dir}/missing/`, "f.bin"), { code: "no_such_path" });
  await assert.rejects(resolveDestination(`${dir}/missing/x.bin`, "f.bin"), {
    code: "no_such_path",
  });
});
