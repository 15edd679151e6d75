/** A TrackerApi for tests of commands and the shell: no sockets, answers from a script. */
import type { Address } from "../../common/address.ts";
import { CommandError } from "../../common/errors.ts";
import { type ArgsOf, type Op, REQUEST_ARGS, type ResultOf } from "../../wire/messages.ts";
import type { TrackerApi } from "../client/api.ts";
import type { DownloadStatus } from "../engine/types.ts";
import type { LeaveResult, PeerServices } from "../services.ts";
import type { ShareStatus } from "../share/sharing.ts";

/** Answers one op; may throw CommandError to refuse it. */
export type FakeAnswer = (args: Record<string, unknown>, signal?: AbortSignal) => unknown;

/** Records calls and answers each op from `answers` (`{}` when it has none). */
export class FakeApi implements TrackerApi {
  readonly calls: { op: string; args: Record<string, unknown> }[] = [];
  readonly answers: Partial<Record<Op, FakeAnswer>>;
  user: string | null = null;
  tracker: Address = { host: "127.0.0.1", port: 7001 };

  constructor(answers: Partial<Record<Op, FakeAnswer>> = {}) {
    this.answers = answers;
  }

  async request<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResultOf<O>> {
    this.calls.push({ op, args: args as Record<string, unknown> });
    // A real tracker closes the connection on args that do not match the op's schema.
    const checked = REQUEST_ARGS[op].safeParse(args);
    if (!checked.success) {
      throw new CommandError("bad_request", `Bad args for ${op}: ${checked.error.message}`);
    }
    const answer = this.answers[op];
    return (await (answer
      ? answer(args as Record<string, unknown>, options.signal)
      : {})) as ResultOf<O>;
  }

  async login(credentials: { user: string; password: string; port: number }) {
    if (this.user) throw new CommandError("already_logged_in", "Already logged in");
    await this.request("login", { ...credentials, peerId: "fake-peer" });
    this.user = credentials.user;
    return { user: credentials.user, tracker: this.tracker };
  }

  async logout() {
    if (!this.user) throw new CommandError("not_logged_in", "Not logged in");
    this.user = null;
    await this.request("logout", {});
  }
}

/** PeerServices that record calls and do nothing else, for tests of the shell and commands. */
export class FakeServices implements PeerServices {
  readonly calls: string[] = [];
  shareList: ShareStatus[] = [];
  downloadList: DownloadStatus[] = [];

  share(path: string, group: string) {
    this.calls.push(`share ${path} ${group}`);
    const record = {
      user: "alice",
      group,
      name: path.split("/").pop()!,
      path,
      fileId: "0".repeat(40),
      size: 0,
      mtimeMs: 0,
      sha1: "1".repeat(40),
    };
    return Promise.resolve({ record, added: true });
  }

  stopShare(group: string, name: string) {
    this.calls.push(`stopShare ${group} ${name}`);
    return Promise.resolve();
  }

  shares() {
    return this.shareList;
  }

  download(group: string, name: string, destination: string) {
    this.calls.push(`download ${group} ${name} ${destination}`);
    return Promise.resolve({ id: "d1", path: `${destination}/${name}`, isResumed: false });
  }

  downloads() {
    return this.downloadList;
  }

  pauseDownload(id: string) {
    this.calls.push(`pause ${id}`);
    return Promise.resolve();
  }

  resumeDownload(id: string) {
    this.calls.push(`resume ${id}`);
    return Promise.resolve();
  }

  cancelDownload(id: string) {
    this.calls.push(`cancel ${id}`);
    return Promise.resolve();
  }

  forgetDownload(id: string) {
    this.calls.push(`forget ${id}`);
    return Promise.resolve();
  }

  async leaveGroup(group: string, leave: () => Promise<LeaveResult>) {
    this.calls.push(`leaveGroup ${group}`);
    return { ...await leave(), stoppedShares: [], failedDownloads: [] };
  }

  afterLogin(user: string) {
    this.calls.push(`afterLogin ${user}`);
    return Promise.resolve({ reshared: { shared: 0, dropped: 0, kept: 0 }, resumed: 0 });
  }

  beforeLogout() {
    this.calls.push("beforeLogout");
    return Promise.resolve();
  }
}
