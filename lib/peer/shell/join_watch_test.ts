import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { waitUntil } from "../../common/test_util.ts";
import { FakeApi } from "../testing/fake_api.ts";
import type { ResultOf } from "../../wire/messages.ts";
import { JoinWatch } from "./join_watch.ts";
import { Output } from "./output.ts";

type MyRequests = ResultOf<"my_requests">;

function watcher(api: FakeApi, isJson = true) {
  const written: string[] = [];
  const watch = new JoinWatch({
    tracker: api,
    output: new Output({ isJson, write: (text) => written.push(text) }),
    intervalMs: 5,
  });
  const events = () => written.filter((text) => text.startsWith("{")).map((t) => JSON.parse(t));
  return { watch, written, events };
}

function loggedIn(answers: ConstructorParameters<typeof FakeApi>[0]): FakeApi {
  const api = new FakeApi(answers);
  api.user = "bob";
  return api;
}

function calls(api: FakeApi, op: string): number {
  return api.calls.filter((call) => call.op === op).length;
}

Deno.test("JoinWatch says group_rejected once the owner turns the request down, then stops", async () => {
  let rounds = 0;
  const api = loggedIn({
    my_requests: (): MyRequests => ({
      requests: [{ group: "g", state: ++rounds < 3 ? "pending" : "rejected", at: 1 }],
    }),
  });
  const { watch, events } = watcher(api);
  watch.watch("g");
  await waitUntil("the rejection", () => events().length > 0);
  assert.deepEqual(events(), [{ event: "group_rejected", group: "g" }]);
  assert.deepEqual(watch.groups, []);
  const asked = calls(api, "my_requests");
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(calls(api, "my_requests"), asked, "no more rounds once answered");
  assert.equal(calls(api, "list_files"), 0, "a listed request needs no list_files");
  watch.close();
});

Deno.test("JoinWatch prints the rejection and the acceptance as sentences", async () => {
  const api = loggedIn({
    my_requests: (): MyRequests => ({
      requests: [
        { group: "g1", state: "accepted", at: 1 },
        { group: "g2", state: "rejected", at: 2 },
        { group: "g3", state: "pending", at: 3 },
      ],
    }),
  });
  const { watch, written } = watcher(api, false);
  for (const group of ["g1", "g2", "g3"]) watch.watch(group);
  await waitUntil("both answers", () => written.length === 2);
  assert.deepEqual(written.toSorted(), [
    'You were accepted into group "g1"\n',
    'Your request to join group "g2" was rejected\n',
  ]);
  assert.deepEqual(watch.groups, ["g3"]);
  watch.close();
});

Deno.test("JoinWatch asks list_files for a group my_requests does not list yet", async () => {
  let rounds = 0;
  const api = loggedIn({
    // Another tracker took the request: this one lists it from the third round on.
    my_requests: (): MyRequests => ({
      requests: ++rounds < 3 ? [] : [{ group: "g", state: "rejected", at: 1 }],
    }),
    list_files: () => {
      throw new CommandError("not_member", 'Not a member of group "g"');
    },
  });
  const { watch, events } = watcher(api);
  watch.watch("g");
  await waitUntil("the rejection", () => events().length > 0);
  assert.deepEqual(events(), [{ event: "group_rejected", group: "g" }]);
  assert.equal(calls(api, "list_files"), 2);
  watch.close();
});

Deno.test("JoinWatch reads further pages of my_requests until it has seen every watched group", async () => {
  const api = loggedIn({
    my_requests: ({ cursor }): MyRequests =>
      cursor === undefined
        ? { requests: [{ group: "a", state: "pending", at: 1 }], next: "a" }
        : { requests: [{ group: "z", state: "rejected", at: 1 }] },
  });
  const { watch, events } = watcher(api);
  watch.watch("z");
  await waitUntil("the rejection", () => events().length > 0);
  assert.deepEqual(events(), [{ event: "group_rejected", group: "z" }]);
  assert.equal(calls(api, "list_files"), 0);
  watch.close();
});

Deno.test("JoinWatch tries again next round when my_requests is refused", async () => {
  let rounds = 0;
  const api = loggedIn({
    my_requests: (): MyRequests => {
      if (++rounds < 3) throw new CommandError("tracker_unreachable", "No tracker answers");
      return { requests: [{ group: "g", state: "accepted", at: 1 }] };
    },
  });
  const { watch, events } = watcher(api);
  watch.watch("g");
  await waitUntil("the acceptance", () => events().length > 0);
  assert.deepEqual(events(), [{ event: "group_joined", group: "g" }]);
  watch.close();
});
