/**
 * Tracker commands: one table from op name to handler, typed by the op's argument and result
 * schemas. Each request is checked (session, membership, ownership) against the current state
 * and becomes operations, which are applied, committed with the state rows they changed, and
 * only then answered.
 */
import { CommandError } from "../../common/errors.ts";
import { ErrorCode, type Op, type ResultOf } from "../../wire/mod.ts";
import * as account from "./account.ts";
import type { Caller, CommandContext, CommandTable, RequestOf } from "./context.ts";
import { Core } from "./core.ts";
import * as files from "./files.ts";
import * as groups from "./groups.ts";
import * as peers from "./peers.ts";
import { tellLostGroups, tellSetAside } from "./session_check.ts";

/** Every op's command; public ones are served without a session token. */
export const COMMANDS: CommandTable = {
  status: { isPublic: true, run: account.status },
  create_user: { isPublic: true, run: account.createUser },
  login: { isPublic: true, run: account.login },
  tracker_keys: { isPublic: true, run: peers.trackerKeys },
  renew: { isPublic: false, run: account.renew },
  logout: { isPublic: false, run: account.logout },
  create_group: { isPublic: false, run: groups.createGroup },
  join_group: { isPublic: false, run: groups.joinGroup },
  leave_group: { isPublic: false, run: groups.leaveGroup },
  list_requests: { isPublic: false, run: groups.listRequests },
  list_members: { isPublic: false, run: groups.listMembers },
  accept_request: { isPublic: false, run: groups.acceptRequest },
  reject_request: { isPublic: false, run: groups.rejectRequest },
  my_requests: { isPublic: false, run: groups.myRequests },
  list_groups: { isPublic: false, run: groups.listGroups },
  list_files: { isPublic: false, run: files.listFiles },
  stage_hashes: { isPublic: false, run: files.stageHashes },
  upload_file: { isPublic: false, run: files.uploadFile },
  stop_share: { isPublic: false, run: files.stopShare },
  file_info: { isPublic: false, run: files.fileInfo },
  file_hashes: { isPublic: false, run: files.fileHashes },
  heartbeat: { isPublic: false, run: peers.heartbeat },
  announce: { isPublic: false, run: peers.announce },
  withdraw: { isPublic: false, run: peers.withdraw },
  get_peers: { isPublic: false, run: peers.getPeers },
  get_ticket: { isPublic: false, run: peers.getTicket },
};

/** Runs commands against one tracker's state and store. */
export class Commands {
  readonly #core: Core;
  /** Lost group creations already reported to their creator (soft, per tracker). */
  readonly #told = new Set<string>();
  /** Called after each local commit (replication pushes the new operations). */
  onCommit: () => void = () => {};

  constructor(ctx: CommandContext) {
    this.#core = new Core(ctx, () => this.onCommit());
  }

  /**
   * Run one request (a `ValidRequest` from the wire, or one built by a test).
   *
   * @throws {CommandError} when it is refused
   */
  async handle<O extends Op>(request: RequestOf<O>, caller: Caller): Promise<ResultOf<O>> {
    const command = COMMANDS[request.op];
    const call = { args: request.args, requestId: request.requestId, caller };
    if (command.isPublic) return await command.run(this.#core, call);
    const session = this.#core.verify(request.token);
    if (caller.peerId !== undefined && session.peerId !== caller.peerId) {
      // A token is good only on a connection that proves the key of the peer it was made for.
      throw new CommandError(
        ErrorCode.NOT_LOGGED_IN,
        "This session belongs to another peer's key: login again",
      );
    }
    tellLostGroups(this.#core.ctx.state, session, this.#told);
    tellSetAside(this.#core.ctx.state, session, this.#told);
    return await command.run(this.#core, { ...call, session });
  }

  /** Publish this tracker's ticket key once, as an operation every tracker will hold. */
  async registerTrackerKey(publicKey: Uint8Array): Promise<void> {
    const { state, store } = this.#core.ctx;
    if (state.get(`tracker/${store.trackerId}`)) return;
    const body = { type: "tracker_key", trackerId: store.trackerId, publicKey } as const;
    await this.#core.write(undefined, [body], () => ({}));
  }

  /**
   * Tell the cluster that tracker `trackerId` is gone for good (an operator's word): no tracker
   * links to it, waits for it before trimming or hands it to peers any more.
   *
   * @throws {RangeError} for this tracker itself or an id the cluster does not know, in one line
   */
  async removeTracker(trackerId: string): Promise<void> {
    const { state, store } = this.#core.ctx;
    if (trackerId === store.trackerId) {
      throw new RangeError(
        `Tracker ${trackerId} is this tracker: stop it, then remove it from another tracker`,
      );
    }
    if (!state.trackerKeys().some((key) => key.trackerId === trackerId)) {
      const known = state.trackerKeys().map((key) => key.trackerId).join(", ");
      throw new RangeError(`No tracker "${trackerId}" in the cluster (it knows ${known})`);
    }
    if (state.removedTrackers().has(trackerId)) return;
    await this.#core.write(undefined, [{ type: "tracker_removed", trackerId }], () => ({}));
  }

  /**
   * Publish where this tracker listens (`IP:PORT`, its tracker_info.txt line), when the cluster
   * holds another address for it or none: every tracker then links to it, and peers learn it.
   */
  async registerTrackerAddress(address: string): Promise<void> {
    const { state, store } = this.#core.ctx;
    if (state.trackerAddresses().get(store.trackerId) === address) return;
    const body = { type: "tracker_address", trackerId: store.trackerId, address } as const;
    await this.#core.write(undefined, [body], () => ({}));
  }
}
