/**
 * Small pieces every room of the peer may use: the peer's own error codes, file-system errors
 * as one line for the user, JSON state files, a cache of open files for positional reads,
 * paging through list answers, and sizes as people read them. It imports only lib/common and
 * lib/wire.
 *
 * @module
 */
export { PeerErrorCode, toCommandError } from "./codes.ts";
export { type FileAction, fileError, isNotFound } from "./file_errors.ts";
export { FileHandles, MAX_OPEN_FILES } from "./file_handles.ts";
export { JsonFile } from "./json_file.ts";
export {
  type Collected,
  collectPages,
  MAX_LIST_ITEMS,
  MAX_LIST_PAGES,
  type Page,
} from "./pages.ts";
export { formatBytes } from "./units.ts";
