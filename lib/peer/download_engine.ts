/**
 * The one module that imports the download engine, so that the downloads manager and its tests
 * depend only on the contract in download_types.ts.
 */
import { Download } from "./download.ts";
import type { EngineFactory } from "./downloads.ts";

/** Make a real download engine for a plan. */
export const createDownload: EngineFactory = (plan, options) => new Download(plan, options);
