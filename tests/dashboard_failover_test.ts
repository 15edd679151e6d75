/**
 * The dashboard shows the tracker in use, and a failover as it happens: one tracker of a
 * two-tracker cluster is killed and the page names the other, with the switch in its list.
 */
import { equal, ok } from "node:assert/strict";
import { assertOk } from "./helpers/peer.ts";
import { Browser, DashboardHost, dashboardUrl, NO_BROWSER } from "./helpers/browser.ts";

const FAST = ["--request-timeout-ms", "2000", "--connect-timeout-ms", "500"];

Deno.test("dashboard shows a tracker failover as it happens", { ignore: NO_BROWSER }, async () => {
  await using host = await DashboardHost.start({ trackers: 2, extraArgs: [...FAST] });
  const { alice, cluster } = host;
  const [first, second] = cluster.ports.map((port) => `127.0.0.1:${port}`);
  const url = await dashboardUrl(alice);
  await using browser = await Browser.launch();
  const page = await browser.page();
  await page.goto(url);
  await page.locator("#session-tracker", { hasText: first! }).waitFor();
  equal(await page.locator("#failovers li").count(), 0);
  await cluster.converged();
  await cluster.kill(1);
  // The next request (the shell's, or a heartbeat) moves the client to tracker 2.
  await assertOk(alice, "list_groups");
  await page.locator("#session-tracker", { hasText: second! }).waitFor();
  const line = page.locator("#failovers li", { hasText: `switched from ${first} to ${second}` });
  await line.waitFor();
  ok(await page.locator("#event-log li[data-event=tracker_switched]").count() >= 1);
});
