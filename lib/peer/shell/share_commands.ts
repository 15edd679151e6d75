/**
 * The shell's share commands: upload_file, stop_share, show_shares.
 */
import { formatShare, formatTotals, shareRatio, transferTotals } from "./format.ts";
import { formatBytes } from "../support/units.ts";
import { type CommandSpec } from "./command_spec.ts";

const GROUP = { name: "group_id", kind: "name" } as const;
const FILE_NAME = { name: "file_name", kind: "file_name" } as const;

/** upload_file, stop_share, show_shares. */
export const SHARE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "upload_file",
    args: [{ name: "file_path", kind: "path" }, GROUP],
    summary: "Share a file with a group (under its base name)",
    run: async ([path, group], { services, signal }) => {
      const { record, added } = await services.share(path!, group!, signal);
      const how = added ? "Shared" : "Already sharing";
      return {
        text: `${how} "${record.name}" in group "${group}" (${formatBytes(record.size)}, ` +
          `SHA-1 ${record.sha1})`,
        fields: {
          group,
          file: record.name,
          path: record.path,
          fileId: record.fileId,
          size: record.size,
          sha1: record.sha1,
          added,
        },
      };
    },
  },
  {
    name: "stop_share",
    args: [GROUP, FILE_NAME],
    summary: "Stop sharing a file with a group",
    run: async ([group, file], { services, signal }) => {
      await services.stopShare(group!, file!, signal);
      return { text: `Stopped sharing "${file}" in group "${group}"`, fields: { group, file } };
    },
  },
  {
    name: "show_shares",
    args: [],
    summary: "List the files this peer serves: size, bytes uploaded and ratio each, then totals",
    run: (_args, { services }) => {
      const shares = services.shares();
      const totals = transferTotals(shares, services.downloads());
      const text = shares.length === 0
        ? `Not sharing any file\n${formatTotals(totals)}`
        : [...shares.map(formatShare), formatTotals(totals)].join("\n");
      const fields = shares.map((share) => ({
        group: share.group,
        file: share.file,
        state: share.state,
        size: share.size,
        uploaded: share.uploaded,
        ratio: shareRatio(share),
        fileId: share.fileId,
      }));
      return Promise.resolve({ text, fields: { shares: fields, totals } });
    },
  },
];
