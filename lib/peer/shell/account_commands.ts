/**
 * The shell's account commands: create_user, login, logout.
 */
import { formatAddress } from "../../common/address.ts";
import { type CommandSpec } from "./command_spec.ts";
import { plural } from "./format.ts";

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
    run: async ([user, password], { tracker, listenPort, services, signal }) => {
      const session = await tracker.login(
        { user: user!, password: password!, port: listenPort },
        { signal },
      );
      const address = session.tracker ? formatAddress(session.tracker) : null;
      const { reshared, resumed } = await services.afterLogin(session.user, signal);
      return {
        text: `Logged in as ${session.user}` + (address ? ` (tracker ${address})` : "") +
          loginNotes(reshared.shared, resumed),
        fields: { user: session.user, tracker: address, reshared: reshared.shared, resumed },
      };
    },
  },
  {
    name: "logout",
    args: [],
    summary: "Log out: stop sharing and pause downloads until the next login",
    run: async (_args, { tracker, services, signal }) => {
      const user = tracker.user;
      const running = user === null
        ? []
        : services.downloads().filter((d) => d.state === "D").map((d) => d.id);
      if (user !== null) await services.beforeLogout();
      await tracker.logout({ signal });
      const text = user ? `Logged out ${user}` : "Logged out";
      if (running.length === 0) return { text };
      const count = running.length;
      return {
        text: `${text}; paused ${count} ${plural(count, "download")} (${running.join(", ")}): ` +
          `${count === 1 ? "it continues" : "they continue"} at the next login`,
        fields: { paused: running },
      };
    },
  },
];

/** What login did besides logging in, for its text line. */
function loginNotes(reshared: number, resumed: number): string {
  const notes = [];
  if (reshared > 0) notes.push(`sharing ${reshared} file${reshared === 1 ? "" : "s"} again`);
  if (resumed > 0) notes.push(`${resumed} download${resumed === 1 ? " continues" : "s continue"}`);
  return notes.length === 0 ? "" : `; ${notes.join(", ")}`;
}
