import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import {
  type CommandSyntax,
  parseCommandLine,
  quoteValue,
  suggestName,
  tokenizeCommandLine,
  usageOf,
} from "./command_line.ts";

const TABLE = new Map<string, CommandSyntax>([
  ["login", {
    name: "login",
    args: [{ name: "user_id", kind: "name" }, { name: "passwd", kind: "password" }],
  }],
  ["list_groups", { name: "list_groups", args: [] }],
  ["help", { name: "help", args: [{ name: "command", kind: "word", isOptional: true }] }],
]);

function code(expected: string) {
  return (error: unknown) => error instanceof CommandError && error.code === expected;
}

Deno.test("tokenizeCommandLine() splits at any whitespace", () => {
  assert.deepEqual(tokenizeCommandLine("  login\talice   pw  "), ["login", "alice", "pw"]);
  assert.deepEqual(tokenizeCommandLine(""), []);
  assert.deepEqual(tokenizeCommandLine("   "), []);
});

Deno.test("tokenizeCommandLine() keeps quoted spaces and takes no escapes", () => {
  assert.deepEqual(tokenizeCommandLine(`upload "my file.txt" g1`), ["upload", "my file.txt", "g1"]);
  assert.deepEqual(tokenizeCommandLine(`a 'say "hi"' b`), ["a", 'say "hi"', "b"]);
  assert.deepEqual(tokenizeCommandLine(`a "" b`), ["a", "", "b"]);
  assert.deepEqual(tokenizeCommandLine(`x C:\\dir\\f ab"c d"e`), ["x", "C:\\dir\\f", "abc de"]);
});

Deno.test("tokenizeCommandLine() rejects an unterminated quote", () => {
  assert.throws(() => tokenizeCommandLine(`login alice "pw`), code("bad_arguments"));
});

Deno.test("parseCommandLine() returns null for a blank line", () => {
  assert.equal(parseCommandLine("   ", TABLE), null);
});

Deno.test("parseCommandLine() returns the command and its arguments", () => {
  const parsed = parseCommandLine("login alice 's3cret pw'", TABLE);
  assert.equal(parsed?.command.name, "login");
  assert.deepEqual(parsed?.args, ["alice", "s3cret pw"]);
  assert.deepEqual(parseCommandLine("help", TABLE)?.args, []);
  assert.deepEqual(parseCommandLine("help login", TABLE)?.args, ["login"]);
});

Deno.test("parseCommandLine() rejects an unknown command", () => {
  assert.throws(() => parseCommandLine("frobnicate now", TABLE), code("unknown_command"));
  assert.throws(() => parseCommandLine("LOGIN a b", TABLE), code("unknown_command"));
});

Deno.test("parseCommandLine() rejects missing or extra arguments with the usage", () => {
  assert.throws(() => parseCommandLine("login alice", TABLE), (error: CommandError) => {
    assert.equal(error.code, "bad_arguments");
    assert.equal(
      error.message,
      "login takes 2 arguments, got 1: usage: login <user_id> <passwd>",
    );
    return true;
  });
  assert.throws(() => parseCommandLine("list_groups extra", TABLE), code("bad_arguments"));
  assert.throws(() => parseCommandLine("help a b", TABLE), /takes 0 to 1 arguments/);
});

Deno.test("parseCommandLine() rejects an id outside NAME_PATTERN before it is sent", () => {
  for (const bad of ["'bad name'", "al/ice", "x".repeat(65), "''", "ünï"]) {
    assert.throws(() => parseCommandLine(`login ${bad} pw`, TABLE), code("bad_arguments"));
  }
  assert.throws(() => parseCommandLine(`login alice ''`, TABLE), code("bad_arguments"));
  assert.throws(
    () => parseCommandLine(`login alice ${"p".repeat(257)}`, TABLE),
    code("bad_arguments"),
  );
});

Deno.test("usageOf() marks optional arguments", () => {
  assert.equal(usageOf(TABLE.get("help")!), "help [command]");
  assert.equal(usageOf(TABLE.get("login")!), "login <user_id> <passwd>");
});

Deno.test("quoteValue() cuts a long value short", () => {
  assert.equal(quoteValue("abc"), '"abc"');
  assert.equal(quoteValue("x".repeat(50), 4), '"xxxx…"');
});

Deno.test("parseCommandLine() suggests the command a typo most likely meant", () => {
  const table = new Map<string, CommandSyntax>(
    ["list_groups", "list_files", "login", "logout", "quit", "show_downloads", "show_download"]
      .map((name) => [name, { name, args: [] }]),
  );
  const message = (line: string) => {
    try {
      parseCommandLine(line, table);
    } catch (error) {
      return (error as CommandError).message;
    }
    return "";
  };
  assert.equal(
    message("lsit_groups"),
    'Unknown command "lsit_groups": did you mean "list_groups"? Type "help" for the list of commands',
  );
  assert.match(message("LOGIN"), /did you mean "login"\?/);
  assert.match(message("qiut"), /did you mean "quit"\?/);
  assert.match(message("show_downlod"), /did you mean "show_download"\?/);
  assert.equal(suggestName("frobnicate", [...table.keys()]), null);
  assert.equal(suggestName("x", [...table.keys()]), null);
  assert.match(message("frobnicate"), /^Unknown command "frobnicate": type "help"/);
});
