import { deepStrictEqual, equal, match, ok, throws } from "node:assert/strict";
import {
  parseTrackerCommandLine,
  parseTrackerFlags,
  STATUS_FLAGS,
  STATUS_USAGE,
  TRACKER_FLAGS,
  TRACKER_USAGE,
} from "./cli.ts";

/** The lines that describe `--flag`: its own and the indented ones after it. */
function flagText(usage: string, flag: string): string {
  const lines = usage.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^ {2}(-\\w, )?--${flag}\\b`).test(line));
  if (start < 0) return "";
  let end = start + 1;
  while (end < lines.length && /^ {4,}\S/.test(lines[end]!)) end++;
  return lines.slice(start, end).join("\n");
}

Deno.test("TRACKER_USAGE and STATUS_USAGE list every flag with its default, and an example", () => {
  const usages: Array<[string, object]> = [[TRACKER_USAGE, TRACKER_FLAGS], [
    STATUS_USAGE,
    STATUS_FLAGS,
  ]];
  for (const [usage, flags] of usages) {
    for (const flag of Object.keys(flags)) {
      const text = flagText(usage, flag);
      ok(text, `--${flag} is documented`);
      if (flag !== "help") match(text, /\(default[ :]/, `--${flag} has its default`);
    }
    match(usage, /^Usage: deno task /);
    match(usage, /\n {2}-h, --help /);
    match(usage, /\nExample:\n {2}deno task /);
  }
});

Deno.test("parseTrackerCommandLine() answers -h and --help of the tracker and of status", () => {
  deepStrictEqual(parseTrackerCommandLine(["-h"]), { kind: "help", text: TRACKER_USAGE });
  deepStrictEqual(parseTrackerCommandLine(["info.txt", "1", "--help"]), {
    kind: "help",
    text: TRACKER_USAGE,
  });
  deepStrictEqual(parseTrackerCommandLine(["status", "-h"]), { kind: "help", text: STATUS_USAGE });
  deepStrictEqual(parseTrackerCommandLine(["status", "info.txt", "--json"]), {
    kind: "status",
    infoPath: "info.txt",
    isJson: true,
  });
});

Deno.test("parseTrackerCommandLine() refuses in one line of its own, pointing at --help", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--bogus"], /^Unknown flag "--bogus": run deno task tracker --help for usage$/],
    [["info.txt", "1", "--data-dir"], /^Flag --data-dir needs a value: /],
    [["info.txt", "1", "--quiet=yes"], /^Flag --quiet takes no value: /],
    [["info.txt"], /^Expected <tracker_info.txt> <n>, got 1 argument \("info.txt"\): /],
    [["status"], /^Expected <tracker_info.txt>, got no argument: run deno task status --help/],
    [["status", "info.txt", "--data-dir", "x"], /^Unknown flag "--data-dir": .*status --help/],
  ];
  for (const [args, message] of cases) {
    throws(() => parseTrackerCommandLine(args), (error: Error) => {
      ok(error instanceof TypeError);
      match(error.message, message);
      ok(!/place it at the end|ambiguous/.test(error.message), error.message);
      return true;
    });
  }
});

Deno.test("parseTrackerFlags() takes a negative value after its flag and checks it", () => {
  const command = parseTrackerCommandLine(["i", "1", "--clock-offset-ms", "-250"]);
  ok(command.kind === "run");
  equal(parseTrackerFlags(command.values, "1").clockOffsetMs, -250);
  const negative = parseTrackerCommandLine(["i", "1", "--session-ttl-ms", "-5"]);
  ok(negative.kind === "run");
  throws(() => parseTrackerFlags(negative.values, "1"), /Invalid --session-ttl-ms "-5"/);
});
