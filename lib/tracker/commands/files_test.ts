import { deepStrictEqual, equal } from "node:assert/strict";
import { computeFileId } from "../../common/hash.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { CommandKit, type KitUser } from "../testing/command_kit.ts";

/** A three-piece file's upload arguments and hashes (the hashes are made up, not of bytes). */
function file(name = "a.bin", seed = 1) {
  const size = 2 * PIECE_SIZE_BYTES + 10;
  const hashes = new Uint8Array(3 * 20).map((_, i) => (i * 7 + seed) & 0xff);
  const fileId = computeFileId(size, PIECE_SIZE_BYTES, hashes);
  const upload = { group: "g", name, fileId, size, pieceLength: PIECE_SIZE_BYTES, sha1: fileId };
  return { upload, hashes, fileId };
}

async function stageAndUpload(kit: CommandKit, who: KitUser, f = file(), requestId?: string) {
  const { fileId, hashes } = f;
  await kit.run("stage_hashes", { fileId, chunk: 0, hashes }, { token: who.token });
  return await kit.run("upload_file", f.upload, {
    token: who.token,
    ...(requestId === undefined ? {} : { requestId }),
  });
}

Deno.test("upload_file refuses a non-member, missing hashes, a wrong piece length or file id", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice);
  const f = file();
  const token = { token: alice.token };
  await kit.refuses("not_member", "upload_file", f.upload, { token: bob.token });
  await kit.refuses("need_hashes", "upload_file", f.upload, token);
  await kit.refuses("bad_file", "upload_file", { ...f.upload, pieceLength: 1024 }, token);
  await kit.run("stage_hashes", { fileId: f.fileId, chunk: 0, hashes: f.hashes }, token);
  const other = file("a.bin", 2).fileId;
  await kit.run("stage_hashes", { fileId: other, chunk: 0, hashes: f.hashes }, token);
  await kit.refuses("bad_file", "upload_file", { ...f.upload, fileId: other, sha1: other }, token);
  equal(kit.state.file("g", "a.bin"), undefined);
});

Deno.test("upload_file shares a file once per peer and refuses another file under its name", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice, [bob]);
  deepStrictEqual(await stageAndUpload(kit, alice, file(), "u1"), { added: true });
  deepStrictEqual(await kit.run("upload_file", file().upload, { token: alice.token }), {
    added: false,
  });
  const retried = await kit.run("upload_file", file().upload, {
    token: alice.token,
    requestId: "u1",
  });
  deepStrictEqual(retried, { added: true });
  // The tracker holds the hashes now: a second sharer needs to stage nothing.
  deepStrictEqual(await kit.run("upload_file", file().upload, { token: bob.token }), {
    added: true,
  });
  deepStrictEqual(kit.state.file("g", "a.bin")?.sharers.map((s) => s.user), ["alice", "bob"]);
  const clash = file("a.bin", 9);
  await kit.run("stage_hashes", { fileId: clash.fileId, chunk: 0, hashes: clash.hashes }, {
    token: bob.token,
  });
  await kit.refuses("name_exists", "upload_file", clash.upload, { token: bob.token });
});

Deno.test("file_info and file_hashes describe a shared file to members only", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice);
  const f = file();
  await stageAndUpload(kit, alice, f);
  const token = { token: alice.token };
  deepStrictEqual(await kit.run("file_info", { group: "g", name: "a.bin" }, token), {
    fileId: f.fileId,
    size: f.upload.size,
    pieceLength: PIECE_SIZE_BYTES,
    pieces: 3,
    sha1: f.fileId,
  });
  await kit.refuses("no_such_file", "file_info", { group: "g", name: "b.bin" }, token);
  await kit.refuses("not_member", "file_info", { group: "g", name: "a.bin" }, {
    token: bob.token,
  });
  const chunk = await kit.run("file_hashes", { group: "g", fileId: f.fileId, chunk: 0 }, token);
  deepStrictEqual(chunk.hashes, f.hashes);
  await kit.refuses(
    "no_such_file",
    "file_hashes",
    { group: "g", fileId: f.fileId, chunk: 1 },
    token,
  );
  const unknown = file("b.bin", 3).fileId;
  await kit.refuses(
    "no_such_file",
    "file_hashes",
    { group: "g", fileId: unknown, chunk: 0 },
    token,
  );
});

Deno.test("list_files counts online complete and partial seeders among members", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice, [bob]);
  const f = file();
  await stageAndUpload(kit, alice, f);
  await kit.run("announce", { group: "g", fileId: f.fileId, complete: false }, {
    token: bob.token,
  });
  const listed = await kit.run("list_files", { group: "g" }, { token: bob.token });
  deepStrictEqual(listed, {
    files: [{
      name: "a.bin",
      size: f.upload.size,
      sha1: f.fileId,
      pieces: 3,
      seeders: 1,
      partial: 1,
      sharers: 1,
    }],
    next: undefined,
  });
  await kit.refuses("no_such_group", "list_files", { group: "h" }, { token: bob.token });
});

Deno.test("stop_share removes the sharer, and the file with its last sharer", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice, [bob]);
  await stageAndUpload(kit, alice);
  const args = { group: "g", name: "a.bin" };
  await kit.refuses("not_sharing", "stop_share", args, { token: bob.token });
  await kit.refuses("no_such_file", "stop_share", { ...args, name: "b.bin" }, {
    token: alice.token,
  });
  deepStrictEqual(await kit.run("stop_share", args, { token: alice.token, requestId: "s" }), {});
  equal(kit.state.file("g", "a.bin"), undefined);
  deepStrictEqual(await kit.run("stop_share", args, { token: alice.token, requestId: "s" }), {});
  await kit.refuses("no_such_file", "stop_share", args, { token: alice.token });
});

Deno.test("upload_file binds size, piece count and whole-file SHA-1 to a file id the tracker holds", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const mallory = await kit.user("mallory");
  await kit.group("g", alice, [mallory]);
  const f = file();
  await stageAndUpload(kit, alice, f);
  const token = { token: mallory.token };
  const as = (fields: Record<string, unknown>) => ({ ...f.upload, name: "b.bin", ...fields });
  // The hashes are held now, so nothing is staged: every field must still match the id.
  await kit.refuses("bad_file", "upload_file", as({ size: f.upload.size + 1 }), token);
  await kit.refuses(
    "bad_file",
    "upload_file",
    as({ size: f.upload.size + 3 * PIECE_SIZE_BYTES }),
    token,
  );
  await kit.refuses("bad_file", "upload_file", as({ size: PIECE_SIZE_BYTES }), token);
  await kit.refuses("bad_file", "upload_file", as({ sha1: "0".repeat(40) }), token);
  equal(kit.state.file("g", "b.bin"), undefined, "nothing was registered");
  // The same file under another name, with its true fields, is fine.
  deepStrictEqual(await kit.run("upload_file", as({}), token), { added: true });
});

Deno.test("upload_file refuses a size no bitfield can describe before allocating for it", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  await kit.group("g", alice);
  const huge = { ...file().upload, size: Number.MAX_SAFE_INTEGER };
  await kit.refuses("bad_file", "upload_file", huge, { token: alice.token });
});

Deno.test("stage_hashes: one member's garbage does not block another's upload; logout frees it", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const mallory = await kit.user("mallory");
  await kit.group("g", alice, [mallory]);
  const junk = new Uint8Array(1024 * 20);
  for (let chunk = 0;; chunk++) {
    const id = "0".repeat(39) + (chunk % 10);
    try {
      await kit.run("stage_hashes", { fileId: id, chunk, hashes: junk }, { token: mallory.token });
    } catch {
      break; // her budget is full
    }
  }
  await kit.refuses(
    "throttled",
    "stage_hashes",
    { fileId: "1".repeat(40), chunk: 0, hashes: junk },
    {
      token: mallory.token,
    },
  );
  deepStrictEqual(await stageAndUpload(kit, alice, file()), { added: true });
  await kit.run("logout", {}, { token: mallory.token });
  equal(kit.staging.bytes, 0, "mallory's staged hashes went with her session");
});
