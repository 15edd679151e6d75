import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { FakeApi, FakeServices } from "../testing/fake_api.ts";
import { COMMANDS } from "./commands.ts";
import { type CommandContext } from "./command_spec.ts";

function context(api: FakeApi): CommandContext {
  return {
    tracker: api,
    listenPort: 4321,
    services: new FakeServices(),
    commands: COMMANDS,
    signal: new AbortController().signal,
    requestQuit: () => {},
    watchJoin: () => {},
  };
}

function run(api: FakeApi, name: string, ...args: string[]) {
  return COMMANDS.get(name)!.run(args, context(api));
}

Deno.test("COMMANDS has the seed's commands, help, quit and list_members", () => {
  assert.deepEqual([...COMMANDS.keys()].sort(), [
    "accept_request",
    "cancel_download",
    "clear_downloads",
    "create_group",
    "create_user",
    "download_file",
    "help",
    "join_group",
    "leave_group",
    "list_files",
    "list_groups",
    "list_members",
    "list_requests",
    "login",
    "logout",
    "pause_download",
    "quit",
    "reject_request",
    "resume_download",
    "show_download",
    "show_downloads",
    "show_shares",
    "stop_share",
    "upload_file",
  ]);
  const secret = [...COMMANDS.values()].filter((c) => c.isSecret).map((c) => c.name);
  assert.deepEqual(secret.sort(), ["create_user", "login"]);
});

Deno.test("login announces the listening port and reports user and tracker", async () => {
  const api = new FakeApi();
  const outcome = await run(api, "login", "alice", "pw");
  assert.deepEqual(api.calls[0]?.args, {
    user: "alice",
    password: "pw",
    port: 4321,
    peerId: "fake-peer",
  });
  assert.deepEqual(outcome, {
    text: "Logged in as alice (tracker 127.0.0.1:7001)",
    fields: { user: "alice", tracker: "127.0.0.1:7001", reshared: 0, resumed: 0 },
  });
});

Deno.test("list_groups follows the cursors and shows every group", async () => {
  const api = new FakeApi({
    list_groups: ({ cursor }) =>
      cursor === undefined
        ? { groups: [{ id: "g1", owner: "alice", members: 2 }], next: "c1" }
        : { groups: [{ id: "g2", owner: "bob", members: 1 }] },
  });
  const outcome = await run(api, "list_groups");
  assert.deepEqual(api.calls.map((call) => call.args), [{ cursor: undefined }, { cursor: "c1" }]);
  assert.deepEqual(outcome.fields, {
    groups: [{ id: "g1", owner: "alice", members: 2 }, { id: "g2", owner: "bob", members: 1 }],
  });
  assert.equal(outcome.text, "GROUP  OWNER  MEMBERS\ng1     alice  2\ng2     bob    1");
});

Deno.test("list_requests and list_files give their lists, or say they are empty", async () => {
  const file = { name: "a.iso", size: 1536, sha1: "ab".repeat(20), pieces: 1, seeders: 2 };
  const api = new FakeApi({
    list_requests: () => ({ requests: ["bob", "carol"] }),
    list_files: ({ group }) => ({ files: group === "g1" ? [file] : [] }),
  });
  const requests = await run(api, "list_requests", "g1");
  assert.deepEqual(requests.fields, { requests: ["bob", "carol"] });
  assert.equal(requests.text, 'Requests to join group "g1":\n  bob\n  carol');
  const files = await run(api, "list_files", "g1");
  assert.deepEqual(files.fields, { files: [file] });
  assert.match(files.text, /^NAME +SIZE +PIECES +SEEDERS +SHA1\na\.iso +1\.5 KiB +1 +2 +abab/);
  assert.equal((await run(api, "list_files", "g2")).text, 'No files shared in group "g2"');
});

Deno.test("list_members follows the cursors and marks the owner", async () => {
  const api = new FakeApi({
    list_members: ({ cursor }) =>
      cursor === undefined
        ? { members: [{ user: "alice", role: "owner", since: 5 }], next: "alice" }
        : { members: [{ user: "bob", role: "member", since: 9 }] },
  });
  const outcome = await run(api, "list_members", "g1");
  assert.deepEqual(api.calls.map((call) => call.args), [
    { group: "g1", cursor: undefined },
    { group: "g1", cursor: "alice" },
  ]);
  assert.equal(outcome.text, 'Members of group "g1":\n  alice (owner)\n  bob');
  assert.deepEqual(outcome.fields, {
    members: [
      { user: "alice", role: "owner", since: 5 },
      { user: "bob", role: "member", since: 9 },
    ],
  });
});

Deno.test("leave_group says who owns the group now", async () => {
  const api = new FakeApi({ leave_group: () => ({ removed: false, newOwner: "bob" }) });
  const outcome = await run(api, "leave_group", "g1");
  assert.equal(outcome.text, 'Left group "g1"; its owner is now bob');
  assert.deepEqual(outcome.fields, { removed: false, newOwner: "bob" });
});

Deno.test("write commands send their arguments and print one line", async () => {
  const api = new FakeApi();
  assert.equal((await run(api, "create_group", "g1")).text, 'Group "g1" created');
  assert.equal(
    (await run(api, "accept_request", "g1", "bob")).text,
    'Accepted bob into group "g1"',
  );
  assert.deepEqual(api.calls.map((call) => [call.op, call.args]), [
    ["create_group", { group: "g1" }],
    ["accept_request", { group: "g1", user: "bob" }],
  ]);
});

Deno.test("help lists every command, or shows one, or refuses an unknown one", async () => {
  const api = new FakeApi();
  const all = await run(api, "help");
  assert.equal((all.fields?.commands as unknown[]).length, COMMANDS.size);
  const one = await run(api, "help", "accept_request");
  assert.deepEqual(one.fields, {
    commands: [{
      name: "accept_request",
      usage: "accept_request <group_id> <user_id>",
      summary: "Let a user into a group you own",
    }],
  });
  await assert.rejects(
    run(api, "help", "nope"),
    (error: CommandError) => error.code === "unknown_command",
  );
});
