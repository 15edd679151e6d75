/**
 * The dashboard's group cards name the members (the shell's list_members): an owner answers a
 * request from the page and sees the new member at once; a non-member sees only the count.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertOk } from "./helpers/peer.ts";
import { Browser, DashboardHost, dashboardUrl, NO_BROWSER } from "./helpers/browser.ts";

/** The member names a group's card shows, in its order, the owner's as `name (owner)`. */
async function shownMembers(page: Page, group: string): Promise<string[]> {
  const items = page.locator(`.group[data-group="${group}"] .members li`);
  return await items.evaluateAll((lis) =>
    lis.map((li) => {
      const badge = li.querySelector(".badge")?.textContent;
      return `${li.dataset.member}${badge ? ` (${badge})` : ""}`;
    })
  );
}

Deno.test("dashboard: an owner accepts from the page and the member's name shows", {
  ignore: NO_BROWSER,
}, async () => {
  await using host = await DashboardHost.start();
  const { alice } = host;
  const bob = await host.loggedIn("bob");
  await assertOk(alice, "create_group team");
  await assertOk(bob, "create_group other");
  await assertOk(bob, "join_group team");
  await using browser = await Browser.launch();
  const page = await browser.page();
  await page.goto(await dashboardUrl(alice));
  const team = page.locator('.group[data-group="team"]');
  await team.locator(".requests li", { hasText: "bob asks to join" }).waitFor();
  deepStrictEqual(await shownMembers(page, "team"), ["alice (owner)"]);
  // A group alice is not in: its count, no names (the tracker lists them to members only).
  await page.locator('.group[data-group="other"]', { hasText: "owner bob" }).waitFor();
  equal(await page.locator('.group[data-group="other"] .members').count(), 0);

  await team.getByRole("button", { name: "Accept bob" }).click();
  await page.locator("#notice", { hasText: 'Accepted bob into group "team"' }).waitFor();
  await team.locator('.members li[data-member="bob"]').waitFor();
  deepStrictEqual(await shownMembers(page, "team"), ["alice (owner)", "bob"]);
  equal(await team.locator(".requests").count(), 0);
  // The shell beside the page and bob's own shell read the same list.
  const fromOwner = await assertOk(alice, "list_members team");
  const fromBob = await assertOk(bob, "list_members team");
  deepStrictEqual(fromOwner.members, fromBob.members);
});
