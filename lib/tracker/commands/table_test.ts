import { deepStrictEqual, equal } from "node:assert/strict";
import { type Op, PUBLIC_OPS, REQUEST_ARGS } from "../../wire/mod.ts";
import { COMMANDS } from "./table.ts";

Deno.test("COMMANDS has one command per op, public exactly for the wire's PUBLIC_OPS", () => {
  const ops = Object.keys(REQUEST_ARGS) as Op[];
  deepStrictEqual(Object.keys(COMMANDS).sort(), [...ops].sort());
  for (const op of ops) equal(COMMANDS[op].isPublic, PUBLIC_OPS.has(op), op);
});
