import { formatAddress } from "../common/address.ts";
import type { CommandSpec } from "./commands.ts";

/** create_user, login, logout. */
export const ACCOUNT_COMMANDS: readonly CommandSpec[] = [
  {
    name: "create_user",
    args: [{ name: "user_id", kind: "name" }, { name: "passwd", kind: "password" }],
    summary: "Register a new user",
    isSecret: true,
    run: async ([user, password], { tracker, signal }) => {
      await tracker.request("create_user", { user: user!, password: password! }, { signal });
      return { text: `User "${user}" created` };
    },
  },
  {
    name: "login",
    args: [{ name: "user_id", kind: "name" }, { name: "passwd", kind: "password" }],
    summary: "Log in (and announce this peer's address)",
    isSecret: true,
    run: async ([user, password], { tracker, listenPort, signal }) => {
      const session = await tracker.login(
        { user: user!, password: password!, port: listenPort },
        { signal },
      );
      const address = session.tracker ? formatAddress(session.tracker) : null;
      return {
        text: `Logged in as ${session.user}` + (address ? ` (tracker ${address})` : ""),
        fields: { user: session.user, tracker: address },
      };
    },
  },
  {
    name: "logout",
    args: [],
    summary: "Log out",
    run: async (_args, { tracker, signal }) => {
      const user = tracker.user;
      await tracker.logout({ signal });
      return { text: user ? `Logged out ${user}` : "Logged out" };
    },
  },
];
