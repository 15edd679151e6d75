// One card per download, made once and updated in place: progress bar, rate, ETA, state and
// the pause/resume/cancel buttons; behind "Details", the rate graph, the piece map and peers.
import { el, replaceChildren, setText } from "./dom.js";
import { colourOf, drawPieceMap, drawRateGraph } from "./canvas.js";
import { formatBytes, formatEta, formatRate, STATE_NAMES } from "./format.js";

/** Build the downloads panel once; returns its update functions. */
export function downloadsView(root, act, store) {
  const list = el("div", { id: "download-list" });
  const empty = el("p", { class: "muted" }, "No downloads");
  root.append(
    el(
      "div",
      { class: "section-head" },
      el("h2", {}, "Downloads"),
      el("button", {
        type: "button",
        id: "clear-downloads-button",
        onclick: (event) => act("clear_downloads", [], event.currentTarget),
      }, "Clear finished"),
    ),
    empty,
    list,
  );
  const cards = new Map();
  return {
    update() {
      for (const [id, card] of cards) {
        if (!store.downloads.has(id)) {
          card.root.remove();
          cards.delete(id);
        }
      }
      for (const download of store.downloads.values()) {
        let card = cards.get(download.id);
        if (!card) {
          card = downloadCard(download.id, act);
          cards.set(download.id, card);
          list.append(card.root);
        }
        card.update(download, store);
      }
      empty.hidden = cards.size > 0;
    },
  };
}

function downloadCard(id, act) {
  const title = el("h3", {});
  const badge = el("span", { class: "badge" });
  const bar = el("div", { class: "bar-fill" });
  const progress = el("div", {
    class: "bar",
    role: "progressbar",
    "aria-valuemin": "0",
    "aria-valuemax": "100",
    "aria-label": `Progress of ${id}`,
  }, bar);
  const line = el("p", { class: "numbers" });
  const button = (text, command) =>
    el("button", {
      type: "button",
      class: `${command}-button`,
      "aria-label": `${text} ${id}`,
      onclick: (event) => act(command, [id], event.currentTarget),
    }, text);
  const pause = button("Pause", "pause_download");
  const resume = button("Resume", "resume_download");
  const cancel = button("Cancel", "cancel_download");
  const details = el("div", { class: "details", hidden: true, id: `details-${id}` });
  const toggle = el("button", {
    type: "button",
    class: "details-button",
    "aria-expanded": "false",
    "aria-controls": `details-${id}`,
    onclick: () => {
      details.hidden = !details.hidden;
      toggle.setAttribute("aria-expanded", String(!details.hidden));
      if (!details.hidden) parts.draw();
    },
  }, "Details");
  const parts = detailParts(id, details);
  const root = el(
    "article",
    { class: "download", "data-id": id },
    el("div", { class: "download-head" }, title, badge),
    progress,
    line,
    el("div", { class: "actions" }, pause, resume, cancel, toggle),
    details,
  );
  return {
    root,
    update(download, store) {
      setText(title, `${download.id} · [${download.group}] ${download.file}`);
      const state = download.waitingFor === "login"
        ? "waiting for login"
        : STATE_NAMES[download.state];
      setText(badge, download.isWaiting ? "waiting for peers" : state);
      badge.dataset.state = download.state;
      bar.style.width = `${download.percent}%`;
      progress.setAttribute("aria-valuenow", String(download.percent));
      setText(line, numbersOf(download));
      pause.disabled = download.state !== "D";
      resume.disabled = download.state !== "P" && download.state !== "F";
      cancel.disabled = download.state === "C";
      parts.update(download, store, !details.hidden);
    },
  };
}

function numbersOf(download) {
  const base = `${download.percent}% · ${formatBytes(download.bytes)} of ${
    formatBytes(download.size)
  }`;
  if (download.state === "F") return `${base} · failed: ${download.reason ?? ""}`;
  if (download.state !== "D") return `${base} · ${download.piecesDone}/${download.pieces} pieces`;
  return `${base} · ${formatRate(download.rate)} · ETA ${formatEta(download.eta)} · ` +
    `${download.peers} peer${download.peers === 1 ? "" : "s"}`;
}

function detailParts(id, details) {
  const graph = el("canvas", {
    class: "rate-graph",
    role: "img",
    "aria-label": `Download rate of ${id}`,
  });
  const map = el("canvas", { class: "piece-map", role: "img", "aria-label": `Piece map of ${id}` });
  const summary = el("p", { class: "map-summary" });
  const legend = el("ul", { class: "legend" });
  const peers = el("tbody", {});
  const banned = el("ul", { class: "banned" });
  const path = el("p", { class: "muted" });
  details.append(
    el("h4", {}, "Rate, last 5 minutes"),
    graph,
    el("h4", {}, "Pieces"),
    map,
    summary,
    legend,
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "peers" },
        el("caption", {}, "Peers"),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...["Address", "Down", "Up", "Received", "Sent", "State"].map((h) =>
              el("th", { scope: "col" }, h)
            ),
          ),
        ),
        peers,
      ),
    ),
    banned,
    path,
  );
  let last = { download: null, store: null };
  const draw = () => {
    const { download, store } = last;
    if (!download) return;
    drawRateGraph(graph, store.rates.get(id) ?? [], 300);
    const pieceMap = store.pieces.get(id);
    const states = pieceMap?.states ?? fullOrEmpty(download);
    drawPieceMap(map, states);
    setText(summary, mapSummary(states));
    drawLegend(legend, pieceMap?.sources ?? []);
  };
  return {
    draw,
    update(download, store, isOpen) {
      last = { download, store };
      setText(path, `Saving to ${download.path}`);
      replaceChildren(peers, ...download.links.map(peerRow));
      replaceChildren(
        banned,
        ...download.banned.map((b) => el("li", {}, `Banned ${b.peer}: ${b.reason}`)),
      );
      if (isOpen) draw();
    },
  };
}

function fullOrEmpty(download) {
  return new Uint8Array(download.pieces).fill(download.state === "C" ? 2 : 0);
}

function mapSummary(states) {
  let done = 0;
  let inFlight = 0;
  for (const value of states) {
    if (value >= 2) done++;
    else if (value === 1) inFlight++;
  }
  return `${done} done, ${inFlight} in flight, ${states.length - done - inFlight} missing`;
}

function drawLegend(legend, sources) {
  const item = (colour, text) => {
    // Through the CSSOM: the Content-Security-Policy refuses inline style attributes.
    const swatch = el("span", { class: "swatch" });
    swatch.style.backgroundColor = colour;
    return el("li", {}, swatch, text);
  };
  replaceChildren(
    legend,
    item(colourOf(0), "missing"),
    item(colourOf(1), "in flight"),
    item(colourOf(2), "done (on disk before)"),
    ...sources.map((source, i) => item(colourOf(3 + i), `from ${source}`)),
  );
}

function peerRow(peer) {
  const state = peer.isConnected === false
    ? "gone"
    : `${peer.isChoked ? "choked" : "unchoked"}, ${peer.inflight ?? 0} in flight`;
  return el(
    "tr",
    {},
    el("td", {}, peer.addr),
    el("td", {}, formatRate(peer.rate ?? 0)),
    el("td", {}, formatRate(peer.uploadRate ?? 0)),
    el("td", {}, formatBytes(peer.bytes ?? 0)),
    el("td", {}, formatBytes(peer.uploaded ?? 0)),
    el("td", {}, state),
  );
}
