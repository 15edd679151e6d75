// Groups, their members and files and, for owners, pending requests; the forms that create,
// join, upload and start downloads. Tracker lists are fetched with the shell's own list_ commands.
import { el, replaceChildren } from "./dom.js";
import { formatBytes } from "./format.js";

/** Build the groups panel once; returns its update function. */
export function groupsView(root, act) {
  const field = (id, label, attributes = {}) => [
    el("label", { for: id }, label),
    el("input", { id, name: id, ...attributes }),
  ];
  const [groupLabel, groupInput] = field("group-name", "Group");
  const [pathLabel, pathInput] = field("upload-path", "File path", {
    placeholder: "/path/to/file",
  });
  const [uploadGroupLabel, uploadGroupInput] = field("upload-group", "to group");
  const [folderLabel, folderInput] = field("download-folder", "Download into folder", {
    placeholder: "/tmp",
  });
  const groupButton = (id, command, text) =>
    el("button", {
      type: "button",
      id,
      onclick: (event) => act(command, [groupInput.value.trim()], event.currentTarget),
    }, text);
  const list = el("div", { id: "group-list" }, el("p", {}, "Log in to see the groups"));
  root.append(
    el("h2", {}, "Groups"),
    el(
      "form",
      {
        class: "inline-form",
        "aria-label": "Create or join a group",
        onsubmit: (e) => e.preventDefault(),
      },
      groupLabel,
      groupInput,
      groupButton("create-group-button", "create_group", "Create"),
      groupButton("join-group-button", "join_group", "Ask to join"),
    ),
    el(
      "form",
      {
        class: "inline-form",
        "aria-label": "Share a file",
        onsubmit: (event) => {
          event.preventDefault();
          const args = [pathInput.value.trim(), uploadGroupInput.value.trim()];
          act("upload_file", args, event.submitter);
        },
      },
      pathLabel,
      pathInput,
      uploadGroupLabel,
      uploadGroupInput,
      el("button", { type: "submit", id: "upload-button" }, "Share file"),
    ),
    el("div", { class: "inline-form" }, folderLabel, folderInput),
    list,
  );
  const context = { act, folderInput };
  let shown = "";
  return {
    /** `groups`: [{id, owner, members, names?, files?, requests?, isMember}], from fetchGroups. */
    update(groups, user) {
      const text = JSON.stringify([groups, user]);
      if (text === shown) return; // unchanged: keep focus and scroll where they are
      shown = text;
      if (!user) return replaceChildren(list, el("p", {}, "Log in to see the groups"));
      if (groups.length === 0) return replaceChildren(list, el("p", {}, "No groups yet"));
      replaceChildren(list, ...groups.map((group) => groupCard(group, user, context)));
    },
  };
}

function groupCard(group, user, { act, folderInput }) {
  const isOwner = group.owner === user;
  const role = isOwner ? "owner" : group.isMember ? "member" : "not a member";
  const button = (text, command, args, extra = {}) =>
    el(
      "button",
      { type: "button", ...extra, onclick: (e) => act(command, args, e.currentTarget) },
      text,
    );
  const head = el(
    "div",
    { class: "group-head" },
    el("h3", {}, group.id),
    el(
      "span",
      { class: "muted" },
      `owner ${group.owner} · ${group.members} ${
        group.members === 1 ? "member" : "members"
      } · you: ${role}`,
    ),
    group.isMember
      ? button("Leave", "leave_group", [group.id], { "aria-label": `Leave group ${group.id}` })
      : button("Ask to join", "join_group", [group.id], { "aria-label": `Join group ${group.id}` }),
  );
  const members = group.isMember ? membersList(group) : null;
  const files = group.isMember ? filesTable(group, folderInput, act) : null;
  const requests = isOwner && group.requests?.length
    ? el(
      "ul",
      { class: "requests", "aria-label": `Requests to join ${group.id}` },
      ...group.requests.map((who) =>
        el(
          "li",
          {},
          `${who} asks to join `,
          button("Accept", "accept_request", [group.id, who], { "aria-label": `Accept ${who}` }),
          button("Reject", "reject_request", [group.id, who], { "aria-label": `Reject ${who}` }),
        )
      ),
    )
    : null;
  return el("section", { class: "group", "data-group": group.id }, head, members, requests, files);
}

/** The names list_members gave, the owner marked (only members may list them). */
function membersList(group) {
  if (!group.names?.length) return null;
  const items = group.names.map((member) =>
    el(
      "li",
      { "data-member": member.user },
      member.user,
      member.role === "owner" ? el("span", { class: "badge" }, "owner") : null,
    )
  );
  return el(
    "div",
    { class: "members" },
    el("span", { class: "muted", "aria-hidden": "true" }, "Members:"),
    el("ul", { "aria-label": `Members of ${group.id}` }, ...items),
  );
}

function filesTable(group, folderInput, act) {
  if (!group.files || group.files.length === 0) {
    return el("p", { class: "muted" }, "No files shared");
  }
  const rows = group.files.map((file) =>
    el(
      "tr",
      { "data-file": file.name },
      el("td", {}, file.name),
      el("td", {}, formatBytes(file.size)),
      el("td", {}, String(file.seeders)),
      el("td", {}, String(file.partial)),
      el(
        "td",
        {},
        el("button", {
          type: "button",
          class: "download-button",
          "aria-label": `Download ${file.name}`,
          onclick: (event) => {
            const args = [group.id, file.name, folderInput.value.trim()];
            return act("download_file", args, event.currentTarget);
          },
        }, "Download"),
      ),
    )
  );
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "files" },
      el("caption", {}, `Files in ${group.id}`),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["Name", "Size", "Seeders", "Partial", ""].map((h) => el("th", { scope: "col" }, h)),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}

/**
 * Fetch the groups and, for those the user is in, their members, files and (owners) requests,
 * with the shell's list_groups, list_files, list_members and list_requests.
 */
export async function fetchGroups(run, user) {
  const listed = await run("list_groups", []);
  if (!listed.ok) return [];
  const groups = listed.groups.slice(0, 50);
  return await Promise.all(groups.map(async (group) => {
    const files = await run("list_files", [group.id]);
    const isMember = files.ok;
    const [members, requests] = await Promise.all([
      isMember ? run("list_members", [group.id]) : null,
      isMember && group.owner === user ? run("list_requests", [group.id]) : null,
    ]);
    return {
      ...group,
      isMember,
      names: members?.ok ? members.members : [],
      files: isMember ? files.files : [],
      requests: requests?.ok ? requests.requests : [],
    };
  }));
}
