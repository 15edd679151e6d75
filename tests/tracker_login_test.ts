/** The failed-login throttle of a real tracker, over a real socket from 127.0.0.1. */
import { equal, match, rejects } from "node:assert/strict";
import { CommandError } from "../lib/common/errors.ts";
import { Cluster } from "./helpers/cluster.ts";
import { tempDir } from "./helpers/processes.ts";

Deno.test("tracker.ts throttles wrong passwords for one user without locking out the others at that address", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1, ["--login-max-failures", "2"]);
  await cluster.start(1);
  const client = await cluster.client(1);
  try {
    for (const user of ["carol", "bob"]) {
      await client.request("create_user", { user, password: `right-${user}` });
    }
    const login = (user: string, password: string) =>
      client.request("login", { user, password, peerId: client.peerId, port: 7000 });
    for (let i = 0; i < 6; i++) await login("carol", "wrong").catch((error) => error);
    await rejects(login("carol", "right-carol"), (error) => {
      if (!(error instanceof CommandError)) throw error;
      equal(error.code, "throttled");
      match(
        error.message,
        /^Too many failed logins for "carol" from 127\.0\.0\.1: try again in \d+s$/,
      );
      return true;
    });
    equal((await login("bob", "right-bob")).user, "bob");
    await rejects(
      login("dave", "pw"),
      (error) => error instanceof CommandError && error.code === "no_such_user",
    );
  } finally {
    await client.close();
  }
});
