/**
 * The dashboard drives a whole download: log in, ask to join, download into a folder, pause
 * and resume from the page, while the progress bar and the piece map move. The shell sees the
 * same state. With PEERSHARE_SCREENSHOTS=<folder> it also saves the screenshots of docs/dashboard.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { Cluster } from "./helpers/cluster.ts";
import { sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";
import { waitUntil } from "./helpers/swarm.ts";
import { Browser, dashboardUrl, NO_BROWSER } from "./helpers/browser.ts";

const MiB = 1024 * 1024;
const SCREENSHOTS = Deno.env.get("PEERSHARE_SCREENSHOTS");

/** The progress bar's value and the piece map's count of done pieces, for download `id`. */
async function progressOf(page: Page, id: string): Promise<{ percent: number; done: number }> {
  const card = page.locator(`.download[data-id="${id}"]`);
  const percent = Number(await card.locator(".bar").getAttribute("aria-valuenow"));
  const summary = await card.locator(".map-summary").textContent() ?? "";
  return { percent, done: Number(/^(\d+) done/.exec(summary)?.[1] ?? "-1") };
}

async function stateOf(peer: PeerProcess, id: string): Promise<string | undefined> {
  const reply = await assertOk(peer, "show_downloads");
  const downloads = reply.downloads as { id: string; state: string }[];
  return downloads.find((download) => download.id === id)?.state;
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

Deno.test("dashboard: a download started from the page completes, pauses and resumes", {
  ignore: NO_BROWSER,
}, async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1);
  await cluster.start(1);
  const source = `${dir.path}/report.bin`;
  const sha1 = await writeRandomFile(source, 10 * MiB);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  await assertOk(alice, "create_group team");
  await assertOk(alice, `upload_file ${source} team`);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`, {
    extraArgs: ["--web", "0", "--download-limit", "1MiB/s"],
  });
  const url = await dashboardUrl(bob);
  await using browser = await Browser.launch();
  const page = await browser.page();
  await page.goto(url);
  await page.locator("#login-form").waitFor();
  await shoot(page, "login");

  // Create the user and log in with the keyboard, as a person without a mouse would.
  await page.focus("#login-user");
  await page.keyboard.type("bob");
  await page.keyboard.press("Tab");
  await page.keyboard.type("pw");
  await page.click("#create-user-button");
  await page.locator("#notice", { hasText: 'User "bob" created' }).waitFor();
  await page.focus("#login-password");
  await page.keyboard.press("Enter"); // Enter in a field of the form submits "Log in"
  await page.locator("#session-user", { hasText: "Logged in as bob" }).waitFor();

  await page.locator('.group[data-group="team"] button', { hasText: "Ask to join" }).click();
  await page.locator("#notice", { hasText: 'Asked to join group "team"' }).waitFor();
  await assertOk(alice, "accept_request team bob");
  const row = page.locator('.group[data-group="team"] tr[data-file="report.bin"]');
  await row.waitFor({ timeout: 30_000 });
  // Let in, bob sees who is in the group by name (list_members), the owner marked.
  const members = page.locator('.group[data-group="team"] .members');
  await members.locator('li[data-member="bob"]').waitFor();
  equal(await members.locator('li[data-member="alice"] .badge').textContent(), "owner");
  equal(await members.locator('li[data-member="bob"] .badge').count(), 0);
  await page.fill("#download-folder", dir.path + "/into");
  await Deno.mkdir(`${dir.path}/into`);
  await row.locator("button", { hasText: "Download" }).click();
  await page.locator("#notice", { hasText: "d1" }).waitFor();
  const card = page.locator('.download[data-id="d1"]');
  await card.locator(".details-button").click();

  // The bar and the map move while it runs.
  const first = await waitUntil("the download shows progress", async () => {
    const progress = await progressOf(page, "d1");
    return progress.percent > 0 && progress.done > 0 && progress;
  }, { timeoutMs: 30_000 });
  const later = await waitUntil("the progress moves on", async () => {
    const progress = await progressOf(page, "d1");
    return progress.percent > first.percent && progress.done > first.done && progress;
  }, { timeoutMs: 30_000 });
  ok(later.percent < 100, `paused too late to test: ${later.percent}%`);
  await card.locator(".legend", { hasText: "from 127.0.0.1:" }).waitFor();
  await shoot(page, "downloading");

  await card.locator(".pause_download-button").click();
  await card.locator(".badge", { hasText: "paused" }).waitFor();
  equal(await stateOf(bob, "d1"), "P");
  const paused = await progressOf(page, "d1");
  ok(paused.percent < 100);

  await card.locator(".resume_download-button").click();
  await card.locator(".badge", { hasText: "complete" }).waitFor({ timeout: 60_000 });
  equal(await card.locator(".bar").getAttribute("aria-valuenow"), "100");
  equal(await sha1OfFile(`${dir.path}/into/report.bin`), sha1);
  equal(await stateOf(bob, "d1"), "C");
  const actions = bob.events.filter((event) => event.event === "dashboard_command");
  deepStrictEqual(
    actions.map((event) => event.action),
    ["create_user", "login", "join_group", "download_file", "pause_download", "resume_download"],
  );
  // The finished file is shared: the shares panel lists it.
  await page.locator(".shares td", { hasText: "report.bin" }).waitFor();
  await shoot(page, "complete");
  if (SCREENSHOTS) {
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, "phone", true);
  }
});
