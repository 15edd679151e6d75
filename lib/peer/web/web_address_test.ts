import { deepStrictEqual, throws } from "node:assert/strict";
import { parseWebAddress } from "./web_address.ts";

Deno.test("parseWebAddress() binds a bare port to 127.0.0.1 and takes IP:PORT as given", () => {
  deepStrictEqual(parseWebAddress("8080"), { host: "127.0.0.1", port: 8080 });
  deepStrictEqual(parseWebAddress("0"), { host: "127.0.0.1", port: 0 });
  deepStrictEqual(parseWebAddress("0.0.0.0:9000"), { host: "0.0.0.0", port: 9000 });
  deepStrictEqual(parseWebAddress("[::1]:9000"), { host: "::1", port: 9000 });
});

Deno.test("parseWebAddress() names the flag in one line for a bad value", () => {
  throws(() => parseWebAddress("nope"), { name: "SyntaxError", message: /^--web: .*"nope"/ });
  throws(() => parseWebAddress("70000"), { name: "RangeError", message: /^--web: .*65535/ });
});
