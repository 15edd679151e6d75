import assert from "node:assert/strict";
import { CommandError, describeError, ProtocolError } from "./errors.ts";

Deno.test("ProtocolError and CommandError carry a name, a code and a cause", () => {
  const cause = new Error("inner");
  const protocol = new ProtocolError("frame_too_large", "Frame too large", { cause });
  assert.equal(protocol.name, "ProtocolError");
  assert.equal(protocol.code, "frame_too_large");
  assert.equal(protocol.cause, cause);
  assert.ok(protocol instanceof Error);
  const command = new CommandError("not_member", 'Not a member of group "g1"');
  assert.equal(command.name, "CommandError");
  assert.equal(command.code, "not_member");
  assert.equal(command.message, 'Not a member of group "g1"');
});

Deno.test("describeError() gives one line without a stack", () => {
  assert.equal(describeError(new RangeError("Port out of range")), "Port out of range");
  assert.equal(describeError("plain"), "plain");
  assert.equal(describeError(42), "42");
  assert.equal(
    describeError(new Deno.errors.NotCapable('Requires net access to "127.0.0.1:7001"')),
    'Missing permission: Requires net access to "127.0.0.1:7001"',
  );
});
