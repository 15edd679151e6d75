/**
 * The dashboard page's files, served from memory. They are imported as text, so they are part
 * of the module graph: `deno compile` bakes them in and nothing is read or fetched at run time.
 */
import INDEX_HTML from "./assets/index.html" with { type: "text" };
import LOADER_JS from "./assets/loader.js" with { type: "text" };
import APP_JS from "./assets/app.js" with { type: "text" };
import API_JS from "./assets/api.js" with { type: "text" };
import CANVAS_JS from "./assets/canvas.js" with { type: "text" };
import DOM_JS from "./assets/dom.js" with { type: "text" };
import DOWNLOADS_VIEW_JS from "./assets/downloads_view.js" with { type: "text" };
import FORMAT_JS from "./assets/format.js" with { type: "text" };
import GROUPS_VIEW_JS from "./assets/groups_view.js" with { type: "text" };
import SESSION_VIEW_JS from "./assets/session_view.js" with { type: "text" };
import SHARES_VIEW_JS from "./assets/shares_view.js" with { type: "text" };
import STYLE_CSS from "./assets/style.css" with { type: "text" };

/** One file of the page. */
export interface Asset {
  readonly body: string;
  readonly type: string;
}

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Every file of the page, by path. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["/", { body: INDEX_HTML, type: HTML }],
  ["/loader.js", { body: LOADER_JS, type: JS }],
  ["/assets/app.js", { body: APP_JS, type: JS }],
  ["/assets/api.js", { body: API_JS, type: JS }],
  ["/assets/canvas.js", { body: CANVAS_JS, type: JS }],
  ["/assets/dom.js", { body: DOM_JS, type: JS }],
  ["/assets/downloads_view.js", { body: DOWNLOADS_VIEW_JS, type: JS }],
  ["/assets/format.js", { body: FORMAT_JS, type: JS }],
  ["/assets/groups_view.js", { body: GROUPS_VIEW_JS, type: JS }],
  ["/assets/session_view.js", { body: SESSION_VIEW_JS, type: JS }],
  ["/assets/shares_view.js", { body: SHARES_VIEW_JS, type: JS }],
  ["/assets/style.css", { body: STYLE_CSS, type: CSS }],
]);

/**
 * Paths served without the token: the empty page and the loader that reads the token from the
 * address's fragment. Neither holds any data nor can change anything.
 */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/", "/loader.js"]);
