/**
 * The shell's download commands: download_file, show_downloads, pause_download,
 * resume_download, cancel_download.
 */
import { downloadFields, formatDownload } from "./format.ts";
import { type CommandSpec } from "./command_spec.ts";

const ID = { name: "download_id", kind: "word" } as const;

/** download_file, show_downloads, pause_download, resume_download, cancel_download. */
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
