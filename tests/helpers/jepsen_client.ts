/**
 * One client of the partition workload (tests/helpers/jepsen_run.ts), run inside a network
 * namespace: a peer identity of its own, a connection per tracker address, a session token per
 * user it logged in as. It reads one JSON command a line on stdin and answers each on stdout,
 * one JSON line `{ id, type, code?, result? }` in the order they came:
 *
 * - `type: "ok"`: the tracker acknowledged (for a write: after its COMMIT);
 * - `type: "fail"`: certainly not done (refused with `code`, or no connection: `unreachable`);
 * - `type: "info"`: unknown (the request was sent, then the connection dropped or it timed out).
 *
 * A command is `{ id, address, op, user?, password?, args, requestId? }`; ops other than
 * create_user and status run as `user`, logging in first when there is no token for it yet.
 * `create_user` logs the new user in at once, so the token carries that creation and a losing
 * creator is told `name_taken` later. `upload` stages the piece hash of a small text file
 * (`args.text`, one piece) and shares it as `args.name` in `args.group` with upload_file.
 */
import { parseAddress } from "../../lib/common/address.ts";
import { CommandError } from "../../lib/common/errors.ts";
import { computeFileId, PIECE_SIZE_BYTES, sha1 } from "../../lib/common/hash.ts";
import { toHex } from "../../lib/common/base64.ts";
import { testIdentity } from "../../lib/peer/testing/identities.ts";
import { type Op, openConnection, RpcClient } from "../../lib/wire/mod.ts";

const REQUEST_TIMEOUT_MS = 2500;
const CONNECT_TIMEOUT_MS = 1500;

interface Command {
  id: number;
  address: string;
  op: string;
  user?: string;
  password?: string;
  args: Record<string, unknown>;
  requestId?: string;
}

/** Why a command did not finish: certainly not done, or unknown. */
class Outcome extends Error {
  constructor(readonly type: "fail" | "info", readonly code: string) {
    super(code);
  }
}

const me = await testIdentity();
const clients = new Map<string, RpcClient>();
const tokens = new Map<string, string>();

async function connect(address: string): Promise<RpcClient> {
  const open = clients.get(address);
  if (open && !open.isClosed) return open;
  try {
    const wire = await openConnection(parseAddress(address), {
      role: "peer",
      id: me.peerId,
      identity: me.transport,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    const client = new RpcClient(wire);
    clients.set(address, client);
    return client;
  } catch (error) {
    // Nothing was sent: whatever went wrong, the command was not done.
    throw new Outcome("fail", `unreachable: ${(error as Error).message.slice(0, 80)}`);
  }
}

/** One request; a refusal is a certain failure, a lost connection or time-out an unknown. */
async function call(command: Command, op: Op, args: unknown, token?: string): Promise<unknown> {
  const client = await connect(command.address);
  try {
    return await client.request(op, args as never, {
      ...(token === undefined ? {} : { token }),
      ...(command.requestId === undefined ? {} : { requestId: command.requestId }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    if (error instanceof CommandError) throw new Outcome("fail", error.code);
    if (error instanceof Error && error.name === "TimeoutError") {
      throw new Outcome("info", "timeout");
    }
    if (error instanceof Error) throw new Outcome("info", `connection_lost: ${error.message}`);
    throw error;
  }
}

async function login(command: Command): Promise<string> {
  const { user = "", password = "" } = command;
  const args = { user, password, peerId: me.peerId, port: 1 };
  // A login writes nothing: its failure, whatever it is, leaves the command undone.
  const reply = await call({ ...command, op: "login" }, "login", args).catch((error) => {
    if (error instanceof Outcome) throw new Outcome("fail", `login: ${error.code}`);
    throw error;
  }) as { token: string };
  tokens.set(user, reply.token);
  return reply.token;
}

async function upload(command: Command, token: string): Promise<unknown> {
  const { group, name, text } = command.args as { group: string; name: string; text: string };
  const bytes = new TextEncoder().encode(text);
  const hashes = sha1(bytes);
  const fileId = computeFileId(bytes.length, PIECE_SIZE_BYTES, hashes);
  const { requestId: _, ...staging } = command;
  await call(staging, "stage_hashes", { fileId, chunk: 0, hashes }, token).catch((error) => {
    if (error instanceof Outcome) throw new Outcome("fail", `stage_hashes: ${error.code}`);
    throw error;
  });
  const args = { group, name, fileId, size: bytes.length, pieceLength: PIECE_SIZE_BYTES };
  const result = await call(command, "upload_file", { ...args, sha1: toHex(sha1(bytes)) }, token);
  return { ...(result as object), fileId };
}

async function run(command: Command): Promise<unknown> {
  if (command.op === "status") return await call(command, "status", {});
  if (command.op === "create_user") {
    const result = await call(command, "create_user", command.args);
    await login(command).catch((error) => {
      // Acknowledged already; without a token the creator is only not told a lost name.
      if (!(error instanceof Outcome)) throw error;
    });
    return result;
  }
  const token = tokens.get(command.user ?? "") ?? await login(command);
  try {
    if (command.op === "upload") return await upload(command, token);
    return await call(command, command.op as Op, command.args, token);
  } catch (error) {
    if (error instanceof Outcome && error.code === "not_logged_in") tokens.delete(command.user!);
    throw error;
  }
}

const decoder = new TextDecoderStream();
let buffer = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(decoder)) {
  buffer += chunk;
  let newline: number;
  while ((newline = buffer.indexOf("\n")) >= 0) {
    const command = JSON.parse(buffer.slice(0, newline)) as Command;
    buffer = buffer.slice(newline + 1);
    try {
      const result = await run(command);
      console.log(JSON.stringify({ id: command.id, type: "ok", result }));
    } catch (error) {
      if (!(error instanceof Outcome)) throw error;
      console.log(JSON.stringify({ id: command.id, type: error.type, code: error.code }));
    }
  }
}
for (const client of clients.values()) await client.close();
