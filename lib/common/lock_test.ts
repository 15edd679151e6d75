import assert from "node:assert/strict";
import { FolderLock } from "./lock.ts";
import { tempDir } from "./test_util.ts";

/** What a child process runs: lock the folder, say so, hold it until stdin closes. */
const HOLDER_SCRIPT = `
import { FolderLock } from ${JSON.stringify(new URL("./lock.ts", import.meta.url).href)};
const lock = await FolderLock.acquire(Deno.args[0]);
console.log("locked");
for await (const _ of Deno.stdin.readable) { /* hold until stdin closes */ }
lock.release();
`;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  await using temp = await tempDir();
  const dir = temp.path;
  await fn(dir);
}

Deno.test({
  name: "FolderLock.acquire() creates the folder and writes the holder's pid",
  sanitizeResources: true,
  async fn() {
    await withTempDir(async (root) => {
      const dir = `${root}/a/b`;
      using _lock = await FolderLock.acquire(dir);
      assert.equal(await Deno.readTextFile(`${dir}/lock`), `${Deno.pid}\n`);
    });
  },
});

Deno.test({
  name: "FolderLock.acquire() fails a second time on the same folder, naming the process",
  sanitizeResources: true,
  async fn() {
    await withTempDir(async (dir) => {
      using _lock = await FolderLock.acquire(dir);
      await assert.rejects(FolderLock.acquire(dir), {
        name: "Error",
        message: `Folder "${dir}" is in use by process ${Deno.pid}`,
      });
    });
  },
});

Deno.test({
  name: "FolderLock.release() frees the folder for the next holder and is safe twice",
  sanitizeResources: true,
  async fn() {
    await withTempDir(async (dir) => {
      const first = await FolderLock.acquire(dir);
      first.release();
      first.release();
      using _second = await FolderLock.acquire(dir);
    });
  },
});

Deno.test({
  name: "FolderLock is released at the end of a using block",
  sanitizeResources: true,
  async fn() {
    await withTempDir(async (dir) => {
      {
        using _lock = await FolderLock.acquire(dir);
      }
      using _again = await FolderLock.acquire(dir);
    });
  },
});

Deno.test({
  name: "FolderLock.acquire() fails while another process holds the folder, naming its pid",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await withTempDir(async (dir) => {
      const script = `${dir}/holder.ts`;
      await Deno.writeTextFile(script, HOLDER_SCRIPT);
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--no-config",
          "--no-check",
          "--allow-read",
          "--allow-write",
          script,
          dir,
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const stdin = child.stdin.getWriter();
      const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      try {
        const { value } = await stdout.read();
        assert.equal(value?.trim(), "locked");
        await assert.rejects(FolderLock.acquire(dir), {
          message: `Folder "${dir}" is in use by process ${child.pid}`,
        });
      } finally {
        await stdin.close();
        await stdout.cancel();
        assert.equal((await child.status).code, 0);
      }
      using _lock = await FolderLock.acquire(dir);
    });
  },
});
