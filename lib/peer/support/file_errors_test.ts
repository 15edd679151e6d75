import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileError } from "./file_errors.ts";
import { tempDir } from "../../common/test_util.ts";

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected a failure");
}

Deno.test("fileError() names the flag and the path for a missing Deno permission", () => {
  const error = fileError(new Deno.errors.NotCapable("Requires read access"), "/etc/x", "read");
  assert.equal(error.code, "permission_denied");
  assert.match(error.message, /Cannot read "\/etc\/x": .*--allow-read/);
  const write = fileError(new Deno.errors.NotCapable("Requires write access"), "/d", "write to");
  assert.match(write.message, /--allow-write=<folder>/);
});

Deno.test("fileError() turns node:fs codes into one line naming the path", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const missing = fileError(await errorOf(readFile(`${dir}/nope`)), "nope", "read");
  assert.deepEqual([missing.code, missing.message], [
    "no_such_path",
    'No such file or folder: "nope"',
  ]);
  const folder = fileError(await errorOf(readFile(dir)), dir, "read");
  assert.equal(folder.code, "not_a_file");
});
