// The dashboard page: lays out the panels, keeps the store current from the peer's event
// stream (/events: a snapshot, then only changes), and runs every action as a shell command.
import { runCommand } from "./api.js";
import { el, replaceChildren, setText } from "./dom.js";
import { formatTime } from "./format.js";
import { downloadsView } from "./downloads_view.js";
import { fetchGroups, groupsView } from "./groups_view.js";
import { sessionView } from "./session_view.js";
import { sharesView } from "./shares_view.js";

/** Tracker lists (groups, files, requests) are fetched again this often while the page shows. */
const GROUPS_REFRESH_MS = 15_000;
/** Lines kept in the event log. */
const LOG_LINES = 30;
/** Events after which the tracker lists are fetched again at once. */
const REFRESHING_EVENTS = new Set([
  "group_joined",
  "group_rejected",
  "join_request_ended",
  "share_stopped",
  "download_finished",
  "tracker_connected",
]);

const store = {
  session: null,
  downloads: new Map(),
  pieces: new Map(),
  rates: new Map(),
  shares: [],
  groups: [],
};

const notice = el("p", { id: "notice", role: "status", "aria-live": "polite" });
const connection = el("span", { id: "connection", class: "muted" });
const panels = {
  session: el("section", { id: "session", class: "panel" }),
  groups: el("section", { id: "groups", class: "panel" }),
  downloads: el("section", { id: "downloads", class: "panel" }),
  shares: el("section", { id: "shares", class: "panel" }),
  log: el("section", { id: "log", class: "panel" }),
};
const logList = el("ol", { id: "event-log", class: "compact" });

/**
 * Run a command for a control: the button waits while it runs; the reply's text (the shell's
 * own line, with its code when refused) shows in the notice line.
 */
async function act(command, args, button) {
  if (button) button.disabled = true;
  const reply = await runCommand(command, args);
  if (button) button.disabled = false;
  notice.dataset.ok = String(reply.ok);
  setText(notice, reply.ok ? reply.text : `${reply.text} [${reply.code}]`);
  if (reply.ok) void refreshGroups();
  return reply;
}

const views = {
  session: sessionView(panels.session, act),
  groups: groupsView(panels.groups, act),
  downloads: downloadsView(panels.downloads, act, store),
  shares: sharesView(panels.shares, act),
};

function layout() {
  panels.log.append(el("h2", {}, "Events"), logList);
  replaceChildren(
    document.getElementById("app"),
    el("header", {}, el("h1", {}, "PeerShare"), connection),
    notice,
    el("div", { class: "columns" }, panels.session, panels.groups, panels.shares),
    el("div", { class: "columns wide" }, panels.downloads, panels.log),
  );
}

let refreshing = null;
/** Fetch the tracker lists again (one fetch at a time; a request during one waits for it). */
async function refreshGroups() {
  if (refreshing) return await refreshing;
  refreshing = (async () => {
    const user = store.session?.user ?? null;
    store.groups = user ? await fetchGroups(runCommand, user) : [];
    views.groups.update(store.groups, user);
  })().finally(() => (refreshing = null));
  return await refreshing;
}

function logEvent(line) {
  const { event, ...fields } = line;
  const text = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  const item = el("li", { "data-event": event }, `${formatTime()} ${event} ${text}`);
  replaceChildren(logList, item, ...[...logList.children].slice(0, LOG_LINES - 1));
}

function applyPieces({ id, pieces, newSources, changes }) {
  let map = store.pieces.get(id);
  if (!map || map.states.length !== pieces) {
    map = { states: new Uint8Array(pieces), sources: [] };
    store.pieces.set(id, map);
  }
  map.sources.push(...newSources);
  for (let i = 0; i + 2 < changes.length; i += 3) {
    map.states.fill(changes[i + 2], changes[i], changes[i] + changes[i + 1]);
  }
}

function decodeRuns(runs, pieces) {
  const states = new Uint8Array(pieces);
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    states.fill(runs[i], at, at + runs[i + 1]);
    at += runs[i + 1];
  }
  return states;
}

function onSnapshot(snapshot) {
  store.session = snapshot.session;
  store.downloads = new Map(snapshot.downloads.map((d) => [d.id, d]));
  store.pieces = new Map(
    Object.entries(snapshot.pieces).map(([id, map]) => [id, {
      states: decodeRuns(map.runs, map.pieces),
      sources: [...map.sources],
    }]),
  );
  store.rates = new Map(Object.entries(snapshot.rates));
  store.shares = snapshot.shares;
  views.session.update(store.session);
  views.downloads.update();
  views.shares.update(store.shares);
  void refreshGroups();
}

function connect() {
  const source = new EventSource("/events");
  const on = (name, handle) =>
    source.addEventListener(name, (message) => handle(JSON.parse(message.data)));
  source.onopen = () => setText(connection, "live");
  source.onerror = () => setText(connection, "reconnecting…");
  on("snapshot", onSnapshot);
  on("session", (session) => {
    const isNewUser = session.user !== store.session?.user;
    store.session = session;
    views.session.update(session);
    if (isNewUser) void refreshGroups();
  });
  on("download", (download) => {
    store.downloads.set(download.id, download);
    views.downloads.update();
  });
  on("download_removed", ({ id }) => {
    store.downloads.delete(id);
    store.pieces.delete(id);
    store.rates.delete(id);
    views.downloads.update();
  });
  on("pieces", (delta) => {
    applyPieces(delta);
    views.downloads.update();
  });
  on("rates", (sample) => {
    for (const [id, rate] of Object.entries(sample)) {
      const history = store.rates.get(id) ?? [];
      history.push(rate);
      if (history.length > 300) history.shift();
      store.rates.set(id, history);
    }
  });
  on("shares", (shares) => {
    store.shares = shares;
    views.shares.update(shares);
  });
  on("peer", (line) => {
    logEvent(line);
    if (line.event === "tracker_switched" || line.event === "tracker_connected") {
      views.session.failover(line);
    }
    if (REFRESHING_EVENTS.has(line.event)) void refreshGroups();
  });
}

layout();
connect();
setInterval(() => {
  if (document.visibilityState === "visible" && store.session?.user) void refreshGroups();
}, GROUPS_REFRESH_MS);
