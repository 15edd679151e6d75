import assert from "node:assert/strict";
import { joinNegativeValues } from "./flags.ts";

const FLAGS = {
  "clock-offset-ms": { type: "string" },
  quiet: { type: "boolean" },
} as const;

Deno.test("joinNegativeValues() joins a string flag and the negative number after it", () => {
  assert.deepEqual(
    joinNegativeValues(["t.txt", "1", "--clock-offset-ms", "-600000"], FLAGS),
    ["t.txt", "1", "--clock-offset-ms=-600000"],
  );
});

Deno.test("joinNegativeValues() leaves booleans, unknown flags, words and a last flag alone", () => {
  const args = ["--quiet", "-5", "--bogus", "-5", "--clock-offset-ms", "-x", "--clock-offset-ms"];
  assert.deepEqual(joinNegativeValues(args, FLAGS), args);
});
