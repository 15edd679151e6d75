// What this peer seeds: each file's size, bytes uploaded and ratio, with the totals.
import { el, replaceChildren } from "./dom.js";
import { formatBytes, formatRatio } from "./format.js";

/** Build the shares panel once; returns its update function. */
export function sharesView(root, act) {
  const body = el("tbody", {});
  const totals = el("p", { id: "share-totals" });
  root.append(
    el("h2", {}, "Shares"),
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "shares" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...["Group", "File", "Size", "State", "Uploaded", "Ratio", ""].map((h) =>
              el("th", { scope: "col" }, h)
            ),
          ),
        ),
        body,
      ),
    ),
    totals,
  );
  let shown = "";
  return {
    update(shares) {
      const text = JSON.stringify(shares);
      if (text === shown) return;
      shown = text;
      replaceChildren(body, ...shares.map((share) => shareRow(share, act)));
      const size = shares.reduce((sum, share) => sum + share.size, 0);
      const uploaded = shares.reduce((sum, share) => sum + share.uploaded, 0);
      totals.textContent = shares.length === 0
        ? "Nothing shared"
        : `${shares.length} files, ${formatBytes(size)}; uploaded ${formatBytes(uploaded)}; ratio ${
          formatRatio(uploaded, size)
        }`;
    },
  };
}

function shareRow(share, act) {
  return el(
    "tr",
    {},
    el("td", {}, share.group),
    el("td", {}, share.file),
    el("td", {}, formatBytes(share.size)),
    el("td", {}, share.state),
    el("td", {}, formatBytes(share.uploaded)),
    el("td", {}, formatRatio(share.uploaded, share.size)),
    el(
      "td",
      {},
      share.state === "complete"
        ? el("button", {
          type: "button",
          class: "stop-share-button",
          "aria-label": `Stop sharing ${share.file}`,
          onclick: (event) => act("stop_share", [share.group, share.file], event.currentTarget),
        }, "Stop sharing")
        : null,
    ),
  );
}
