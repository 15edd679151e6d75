/**
 * The dashboard's door: the page loads with the token and not without it, and an action
 * without the token, with a wrong one, or from another origin is refused (401/403) and changes
 * nothing; a refusal by the command itself reads as in the shell.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { assertOk, PeerProcess } from "./helpers/peer.ts";
import {
  Browser,
  DashboardHost,
  dashboardUrl,
  NO_BROWSER,
  withoutToken,
} from "./helpers/browser.ts";

const ignore = NO_BROWSER;

/** POST a command to the dashboard from Deno, with the headers given. */
async function post(base: string, headers: Record<string, string>, command = "create_group") {
  const reply = await fetch(`${base}api/command`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ command, args: ["intruders"] }),
  });
  return { status: reply.status, body: await reply.json() };
}

async function groupNames(peer: PeerProcess): Promise<string[]> {
  const reply = await assertOk(peer, "list_groups");
  return (reply.groups as { id: string }[]).map((group) => group.id).sort();
}

Deno.test("dashboard refuses requests without the token, with a wrong one or from another origin", {
  ignore,
}, async () => {
  await using host = await DashboardHost.start({ web: "127.0.0.1:0" });
  const { alice } = host;
  const url = await dashboardUrl(alice);
  const base = withoutToken(url);
  const token = new URL(url).hash.replace("#token=", "");
  const origin = new URL(base).origin;
  for (const path of ["assets/app.js", "events", "assets/style.css"]) {
    const reply = await fetch(`${base}${path}`);
    equal(reply.status, 401, path);
    equal((await reply.json()).code, "no_token");
  }
  const refusals = [
    [{ origin }, 401, "no_token"],
    [{ origin, authorization: "Bearer not-the-token" }, 401, "bad_token"],
    [{ origin: "http://evil.example", authorization: `Bearer ${token}` }, 403, "bad_origin"],
    [{ authorization: `Bearer ${token}` }, 403, "bad_origin"],
    [
      { origin, authorization: `Bearer ${token}`, "sec-fetch-site": "cross-site" },
      403,
      "bad_origin",
    ],
  ] as const;
  for (const [headers, status, code] of refusals) {
    const reply = await post(base, headers);
    deepStrictEqual([reply.status, reply.body.code], [status, code], JSON.stringify(headers));
  }
  deepStrictEqual(await groupNames(alice), []);
  // The same request with the token and the right origin goes through: the refusals were real.
  const allowed = await post(base, { origin, authorization: `Bearer ${token}` });
  deepStrictEqual([allowed.status, allowed.body.ok], [200, true]);
  deepStrictEqual(await groupNames(alice), ["intruders"]);
  const quit = await post(base, { origin, authorization: `Bearer ${token}` }, "quit");
  equal(quit.body.code, "not_offered");
});

Deno.test("dashboard page loads with the token and not without it; refusals read as in the shell", {
  ignore,
}, async () => {
  await using host = await DashboardHost.start();
  const { alice } = host;
  await assertOk(alice, "create_group team");
  const url = await dashboardUrl(alice);
  await using browser = await Browser.launch();
  const bare = await browser.page();
  await bare.goto(withoutToken(url));
  await bare.locator("#gate", { hasText: "needs its access token" }).waitFor();
  equal(await bare.locator("#session").count(), 0);
  const wrong = await browser.page();
  await wrong.goto(`${withoutToken(url)}#token=wrong`);
  await wrong.locator("#gate", { hasText: "wrong access token" }).waitFor();
  equal(await wrong.locator("#session").count(), 0);

  const page = await browser.page();
  await page.goto(url);
  await page.locator("#session-user", { hasText: "Logged in as alice" }).waitFor();
  await page.locator(".group[data-group=team]").waitFor();
  // The same refusal from the page and from the shell: message and code.
  await page.fill("#group-name", "team");
  await page.click("#create-group-button");
  const fromShell = await alice.command("create_group team");
  equal(fromShell.code, "group_exists");
  await page.locator("#notice", {
    hasText: `Error: ${fromShell.error} [${fromShell.code}]`,
  }).waitFor();
  ok(alice.events.some((event) => event.event === "dashboard_command" && event.ok === false));
});

Deno.test("dashboard refuses what a page of another origin sends, and nothing changes", {
  ignore,
}, async () => {
  await using host = await DashboardHost.start();
  const { alice } = host;
  const url = await dashboardUrl(alice);
  await using browser = await Browser.launch();
  // The real page first, so the browser holds the dashboard's cookie: the attack may use it.
  const page = await browser.page();
  await page.goto(url);
  await page.locator("#session-user", { hasText: "alice" }).waitFor();
  await using evil = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response("<!doctype html><title>evil</title>", {
        headers: { "content-type": "text/html" },
      }),
  );
  const attacker = await browser.page();
  await attacker.goto(`http://localhost:${evil.addr.port}/`);
  const target = `${withoutToken(url)}api/command`;
  const token = new URL(url).hash.replace("#token=", "");
  const outcomes = await attacker.evaluate(async ({ target, token }) => {
    const body = JSON.stringify({ command: "create_group", args: ["intruders"] });
    const tries = [
      // A "simple" request, sent without a preflight, with the cookie.
      () => fetch(target, { method: "POST", mode: "no-cors", credentials: "include", body }),
      // With the token even: the preflight is refused, so the request never goes.
      () =>
        fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body,
        }),
    ];
    const results: string[] = [];
    for (const attempt of tries) {
      try {
        const reply = await attempt();
        results.push(`${reply.type} ${reply.status}`);
      } catch (error) {
        results.push(`blocked: ${(error as Error).name}`);
      }
    }
    return results;
  }, { target, token });
  deepStrictEqual(outcomes, ["opaque 0", "blocked: TypeError"]);
  const groups = await assertOk(alice, "list_groups");
  deepStrictEqual(groups.groups, []);
});
