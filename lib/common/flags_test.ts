import assert from "node:assert/strict";
import { joinDashValues } from "./flags.ts";

const FLAGS = {
  "clock-offset-ms": { type: "string" },
  "remove-tracker": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

Deno.test("joinDashValues() joins a string flag and the negative number after it", () => {
  assert.deepEqual(
    joinDashValues(["t.txt", "1", "--clock-offset-ms", "-600000"], FLAGS),
    ["t.txt", "1", "--clock-offset-ms=-600000"],
  );
});

Deno.test("joinDashValues() joins a string flag and a value that starts with a dash", () => {
  assert.deepEqual(
    joinDashValues(["--remove-tracker", "-Qx3", "--remove-tracker", "--b"], FLAGS),
    ["--remove-tracker=-Qx3", "--remove-tracker=--b"],
  );
});

Deno.test("joinDashValues() leaves booleans, flags of the table, words and a last flag alone", () => {
  const args = [
    ...["--quiet", "-5", "--bogus", "-5", "--clock-offset-ms", "--quiet"],
    ...["--remove-tracker", "-h", "--remove-tracker", "--help", "--remove-tracker", "--"],
    ...["--clock-offset-ms", "--remove-tracker=x", "--clock-offset-ms"],
  ];
  assert.deepEqual(joinDashValues(args, FLAGS), args);
});
