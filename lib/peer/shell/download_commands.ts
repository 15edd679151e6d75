/**
 * The shell's download commands: download_file, show_downloads, show_download,
 * pause_download, resume_download, cancel_download, clear_downloads.
 */
import { CommandError } from "../../common/errors.ts";
import { PeerErrorCode } from "../support/codes.ts";
import {
  downloadDetailFields,
  downloadFields,
  formatDownload,
  formatDownloadDetail,
  plural,
} from "./format.ts";
import { type CommandSpec } from "./command_spec.ts";

const ID = { name: "download_id", kind: "word" } as const;

/**
 * Run `clear` on one download; false when it belongs to another user of this state folder
 * (show_downloads lists everyone's; only the owner may forget one).
 */
async function clearedOwn(clear: () => Promise<void>): Promise<boolean> {
  try {
    await clear();
    return true;
  } catch (error) {
    if (error instanceof CommandError && error.code === PeerErrorCode.NO_SUCH_DOWNLOAD) {
      return false;
    }
    throw error;
  }
}

/**
 * download_file, show_downloads, show_download, pause_download, resume_download,
 * cancel_download, clear_downloads.
 */
export const DOWNLOAD_COMMANDS: readonly CommandSpec[] = [
  {
    name: "download_file",
    args: [
      { name: "group_id", kind: "name" },
      { name: "file_name", kind: "file_name" },
      { name: "destination_path", kind: "path" },
    ],
    summary: "Download a file of a group in the background (a folder or a new file path)",
    run: async ([group, file, destination], { services, signal }) => {
      const { id, path, isResumed } = await services.download(group!, file!, destination!, signal);
      const how = isResumed ? "continues" : "started";
      return {
        text: `Download ${id} ${how}: [${group}] ${file} -> ${path}`,
        fields: { id, group, file, path, resumed: isResumed },
      };
    },
  },
  {
    name: "show_downloads",
    args: [],
    summary: "Show the downloads: [D] downloading, [P] paused, [C] complete, [F] failed",
    run: (_args, { services }) => {
      const downloads = services.downloads();
      const text = downloads.length === 0
        ? "No downloads"
        : downloads.map(formatDownload).join("\n");
      return Promise.resolve({ text, fields: { downloads: downloads.map(downloadFields) } });
    },
  },
  {
    name: "show_download",
    args: [ID],
    summary: "Show one download in full: path, pieces, rates, each peer, banned peers",
    run: ([id], { services }) => {
      const status = services.downloads().find((d) => d.id === id);
      if (!status) {
        return Promise.reject(
          new CommandError(PeerErrorCode.NO_SUCH_DOWNLOAD, `No download "${id}"`),
        );
      }
      return Promise.resolve({
        text: formatDownloadDetail(status),
        fields: { download: downloadDetailFields(status) },
      });
    },
  },
  {
    name: "clear_downloads",
    args: [],
    summary: "Forget complete downloads (files stay shared) and failed ones (partial files too)",
    run: async (_args, { services, signal }) => {
      const downloads = services.downloads();
      const cleared: string[] = [];
      for (const { id, state } of downloads.filter((d) => d.state === "C" || d.state === "F")) {
        const clear = state === "C"
          ? () => services.forgetDownload(id)
          : () => services.cancelDownload(id, signal);
        if (await clearedOwn(clear)) cleared.push(id);
      }
      const text = cleared.length === 0
        ? "Nothing to clear: no complete or failed downloads"
        : `Cleared ${cleared.length} ${plural(cleared.length, "download")} (${cleared.join(", ")})`;
      return { text, fields: { cleared } };
    },
  },
  {
    name: "pause_download",
    args: [ID],
    summary: "Pause a download (it keeps what it has)",
    run: async ([id], { services }) => {
      await services.pauseDownload(id!);
      return { text: `Download ${id} paused`, fields: { id } };
    },
  },
  {
    name: "resume_download",
    args: [ID],
    summary: "Continue a paused download, or try a failed one again",
    run: async ([id], { services, signal }) => {
      await services.resumeDownload(id!, signal);
      return { text: `Download ${id} continues`, fields: { id } };
    },
  },
  {
    name: "cancel_download",
    args: [ID],
    summary: "Cancel a download and delete its partial file",
    run: async ([id], { services, signal }) => {
      await services.cancelDownload(id!, signal);
      return { text: `Download ${id} cancelled`, fields: { id } };
    },
  },
];
