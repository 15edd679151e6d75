/**
 * The shell's group commands: create_group, join_group, leave_group, list_requests,
 * accept_request, reject_request, list_groups, list_members, list_files.
 */
import { CommandError } from "../../common/errors.ts";
import { formatTable } from "./output.ts";
import { collectPages } from "../support/pages.ts";
import { formatBytes } from "../support/units.ts";
import { type CommandContext, type CommandSpec } from "./command_spec.ts";

const GROUP = { name: "group_id", kind: "name" } as const;
const USER = { name: "user_id", kind: "name" } as const;

/** A note under a list that a limit cut short. */
function truncationNote(isTruncated: boolean, count: number): string {
  return isTruncated ? `\n(only the first ${count} shown)` : "";
}

/** The group commands of the seed, plus reject_request and list_members. */
export const GROUP_COMMANDS: readonly CommandSpec[] = [
  {
    name: "create_group",
    args: [GROUP],
    summary: "Create a group; you become its owner",
    run: async ([group], { tracker, signal }) => {
      await tracker.request("create_group", { group: group! }, { signal });
      return { text: `Group "${group}" created` };
    },
  },
  {
    name: "join_group",
    args: [GROUP],
    summary: "Ask the owner of a group to let you in",
    run: async ([group], { tracker, signal, watchJoin }) => {
      try {
        await tracker.request("join_group", { group: group! }, { signal });
      } catch (error) {
        // Asked before (another session, a restart): watch for the answer all the same.
        if (error instanceof CommandError && error.code === "request_pending") watchJoin(group!);
        throw error;
      }
      watchJoin(group!);
      return { text: `Asked to join group "${group}"` };
    },
  },
  {
    name: "leave_group",
    args: [GROUP],
    summary: "Leave a group (and stop sharing its files)",
    run: async ([group], { tracker, services, signal }) => {
      const leave = () => tracker.request("leave_group", { group: group! }, { signal });
      const { stoppedShares, failedDownloads, ...result } = await services.leaveGroup(
        group!,
        leave,
        signal,
      );
      const after = result.removed
        ? "; it had no members left and was removed"
        : result.newOwner
        ? `; its owner is now ${result.newOwner}`
        : "";
      const shares = stoppedShares.length === 0
        ? ""
        : `; stopped sharing ${stoppedShares.map((name) => JSON.stringify(name)).join(", ")}`;
      const downloads = failedDownloads.length === 0
        ? ""
        : `; download${failedDownloads.length === 1 ? "" : "s"} ${failedDownloads.join(", ")} ` +
          `failed (resume_download after joining again, or cancel_download)`;
      return {
        text: `Left group "${group}"${after}${shares}${downloads}`,
        fields: {
          ...result,
          ...(stoppedShares.length === 0 ? {} : { stoppedShares }),
          ...(failedDownloads.length === 0 ? {} : { failedDownloads }),
        },
      };
    },
  },
  {
    name: "list_requests",
    args: [GROUP],
    summary: "List the requests to join a group you own",
    run: listRequests,
  },
  {
    name: "accept_request",
    args: [GROUP, USER],
    summary: "Let a user into a group you own",
    run: async ([group, user], { tracker, signal }) => {
      await tracker.request("accept_request", { group: group!, user: user! }, { signal });
      return { text: `Accepted ${user} into group "${group}"` };
    },
  },
  {
    name: "reject_request",
    args: [GROUP, USER],
    summary: "Turn down a user's request to join a group you own",
    run: async ([group, user], { tracker, signal }) => {
      await tracker.request("reject_request", { group: group!, user: user! }, { signal });
      return { text: `Rejected the request of ${user} to join group "${group}"` };
    },
  },
  { name: "list_groups", args: [], summary: "List every group", run: listGroups },
  {
    name: "list_members",
    args: [GROUP],
    summary: "List the members of a group you are in, the owner marked",
    run: listMembers,
  },
  {
    name: "list_files",
    args: [GROUP],
    summary: "List the files shared in a group",
    run: listFiles,
  },
];

async function listRequests([group]: readonly string[], { tracker, signal }: CommandContext) {
  const { items, isTruncated } = await collectPages(async (cursor) => {
    const page = await tracker.request("list_requests", { group: group!, cursor }, { signal });
    return { items: page.requests, next: page.next };
  });
  const text = items.length === 0
    ? `No pending requests to join group "${group}"`
    : `Requests to join group "${group}":\n` + items.map((user) => `  ${user}`).join("\n");
  return {
    text: text + truncationNote(isTruncated, items.length),
    fields: { requests: items, ...(isTruncated ? { truncated: true } : {}) },
  };
}

async function listGroups(_args: readonly string[], { tracker, signal }: CommandContext) {
  const { items, isTruncated } = await collectPages(async (cursor) => {
    const page = await tracker.request("list_groups", { cursor }, { signal });
    return { items: page.groups, next: page.next };
  });
  const rows = items.map((g) => [g.id, g.owner, String(g.members)]);
  const text = items.length === 0
    ? "No groups yet"
    : formatTable(["GROUP", "OWNER", "MEMBERS"], rows);
  return {
    text: text + truncationNote(isTruncated, items.length),
    fields: { groups: items, ...(isTruncated ? { truncated: true } : {}) },
  };
}

async function listMembers([group]: readonly string[], { tracker, signal }: CommandContext) {
  const { items, isTruncated } = await collectPages(async (cursor) => {
    const page = await tracker.request("list_members", { group: group!, cursor }, { signal });
    return { items: page.members, next: page.next };
  });
  const lines = items.map((m) => `  ${m.user}${m.role === "owner" ? " (owner)" : ""}`);
  // A group always has its owner as a member, so an empty list only comes from a bad tracker.
  const text = `Members of group "${group}":\n` + lines.join("\n");
  return {
    text: text + truncationNote(isTruncated, items.length),
    fields: { members: items, ...(isTruncated ? { truncated: true } : {}) },
  };
}

async function listFiles([group]: readonly string[], { tracker, signal }: CommandContext) {
  const { items, isTruncated } = await collectPages(async (cursor) => {
    const page = await tracker.request("list_files", { group: group!, cursor }, { signal });
    return { items: page.files, next: page.next };
  });
  const rows = items.map((f) => [
    f.name,
    formatBytes(f.size),
    String(f.pieces),
    String(f.seeders),
    f.sha1,
  ]);
  const headers = ["NAME", "SIZE", "PIECES", "SEEDERS", "SHA1"];
  const text = items.length === 0
    ? `No files shared in group "${group}"`
    : formatTable(headers, rows);
  return {
    text: text + truncationNote(isTruncated, items.length),
    fields: { files: items, ...(isTruncated ? { truncated: true } : {}) },
  };
}
