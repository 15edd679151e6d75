import { deepStrictEqual, match, ok, throws } from "node:assert/strict";
import { DEMO_USAGE, parseDemoArgs } from "./demo.ts";

Deno.test("parseDemoArgs() reads the flags, with defaults, and answers -h and --help", () => {
  deepStrictEqual(parseDemoArgs([]), { kind: "run", bytes: 64 * 1024 * 1024, downloaders: 3 });
  deepStrictEqual(parseDemoArgs(["--size-mib", "0.5", "--downloaders", "7"]), {
    kind: "run",
    bytes: 512 * 1024,
    downloaders: 7,
  });
  deepStrictEqual(parseDemoArgs(["-h"]), { kind: "help" });
  deepStrictEqual(parseDemoArgs(["--help"]), { kind: "help" });
  match(DEMO_USAGE, /--size-mib N .*\(default 64\)/);
  match(DEMO_USAGE, /--downloaders N .*\(default 3\)/);
  match(DEMO_USAGE, /\nExample:\n {2}deno task demo /);
});

Deno.test("parseDemoArgs() refuses in one line of its own, pointing at --help", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--size-mib", "-5"], /^Invalid --size-mib "-5": expected MiB, 0 or more: /],
    [["--size-mib", "lots"], /^Invalid --size-mib "lots"/],
    [["--downloaders", "8"], /^Invalid --downloaders "8": expected 1\.\.7: /],
    [["--bogus"], /^Unknown flag "--bogus": /],
    [['"x'], /^Unexpected argument '"x': /],
    [["--size-mib"], /^Flag --size-mib needs a value: /],
  ];
  for (const [args, message] of cases) {
    throws(() => parseDemoArgs(args), (error: Error) => {
      match(error.message, message);
      match(error.message, /run deno task demo --help for usage$/);
      ok(!error.message.includes("\n"));
      return true;
    });
  }
});
