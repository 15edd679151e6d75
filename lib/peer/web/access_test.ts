import { deepStrictEqual, equal } from "node:assert/strict";
import { checkAccess, cookieOf, hostMatcher, newToken } from "./access.ts";

const TOKEN = "secret-token";
const RULE = { token: TOKEN, isHost: hostMatcher("127.0.0.1", 8080), cookieName: "c" };
const ORIGIN = "http://127.0.0.1:8080";

function request(headers: Record<string, string>, method = "POST"): Request {
  return new Request("http://127.0.0.1:8080/api/command", {
    method,
    headers: { host: "127.0.0.1:8080", ...headers },
  });
}

Deno.test("checkAccess() lets a same-origin request with the token through", () => {
  equal(checkAccess(request({ origin: ORIGIN, authorization: `Bearer ${TOKEN}` }), RULE), null);
});

Deno.test("checkAccess() refuses a missing or wrong token with 401", () => {
  deepStrictEqual(
    checkAccess(request({ origin: ORIGIN }), { ...RULE, cookieName: null })?.status,
    401,
  );
  const wrong = checkAccess(request({ origin: ORIGIN, authorization: "Bearer nope" }), RULE);
  deepStrictEqual([wrong?.status, wrong?.code], [401, "bad_token"]);
});

Deno.test("checkAccess() refuses another origin, a foreign Host or a POST without Origin (403)", () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const cases = [
    { ...auth, origin: "http://evil.example" },
    { ...auth, origin: ORIGIN, host: "evil.example:8080" },
    { ...auth, origin: ORIGIN, "sec-fetch-site": "cross-site" },
    auth,
  ];
  for (const headers of cases) {
    deepStrictEqual(checkAccess(request(headers), RULE)?.status, 403, JSON.stringify(headers));
  }
});

Deno.test("checkAccess() takes the token from the cookie only where the rule names one", () => {
  const get = request({ cookie: `other=1; c=${TOKEN}` }, "GET");
  equal(checkAccess(get, RULE), null);
  equal(checkAccess(get, { ...RULE, cookieName: null })?.code, "no_token");
});

Deno.test("hostMatcher() takes localhost for a loopback address and any name for 0.0.0.0", () => {
  const loopback = hostMatcher("127.0.0.1", 80);
  deepStrictEqual([loopback("127.0.0.1:80"), loopback("localhost:80"), loopback("evil:80")], [
    true,
    true,
    false,
  ]);
  const wildcard = hostMatcher("0.0.0.0", 80);
  deepStrictEqual([wildcard("box.lan:80"), wildcard("box.lan:81")], [true, false]);
});

Deno.test("newToken() is 43 base64url characters, different each time", () => {
  const [a, b] = [newToken(), newToken()];
  equal(a.length, 43);
  equal(/^[A-Za-z0-9_-]+$/.test(a), true);
  equal(a === b, false);
  equal(cookieOf(request({ cookie: "a=1; b=x=y" }), "b"), "x=y");
});
