/**
 * The web dashboard of a running peer (`--web`): its sources are the shell's command runner
 * and the peer's own state, so every action is the shell's command and both see one state.
 */
import { type Address, formatAddress } from "../common/address.ts";
import type { TrackerClient } from "./client/tracker_client.ts";
import type { PeerApp } from "./peer_app.ts";
import type { Output } from "./shell/output.ts";
import type { Shell } from "./shell/shell.ts";
import { Dashboard, type DashboardSources } from "./web/mod.ts";

/** What the dashboard reads of the peer. */
export interface DashboardParts {
  shell: Shell;
  app: PeerApp;
  client: TrackerClient;
  output: Output;
}

/**
 * Serve the dashboard on `address` and print its address with the token
 * (`{"event":"dashboard","url":…}` with `--json`).
 *
 * @throws {Error} one line, when it cannot listen there
 */
export function startDashboard(address: Address, parts: DashboardParts): Dashboard {
  const dashboard = Dashboard.start({ address, sources: sourcesOf(parts) });
  const { url } = dashboard;
  parts.output.event("dashboard", { url }, `Dashboard: ${url}`);
  return dashboard;
}

function sourcesOf({ shell, app, client, output }: DashboardParts): DashboardSources {
  return {
    runCommand: async (name, args) => {
      const reply = await shell.runCommand(name, args);
      // What the page changes shows in the shell too; what it only reads does not.
      if (!/^(list|show)_/.test(name)) {
        const fields = reply.ok ? {} : { code: reply.code };
        output.event(
          "dashboard_command",
          { action: name, ok: reply.ok, ...fields },
          `Dashboard: ${reply.text}`,
        );
      }
      return reply;
    },
    session: () => ({
      user: client.user,
      tracker: client.tracker ? formatAddress(client.tracker) : null,
    }),
    downloads: () => app.downloads(),
    pieceMap: (id) => app.pieceMap(id),
    shares: () => app.shares(),
    onEvent: (listener) => output.onEvent(listener),
  };
}
