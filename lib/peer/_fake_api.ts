/** A TrackerApi for tests of commands and the shell: no sockets, answers from a script. */
import type { Address } from "../common/address.ts";
import { CommandError } from "../common/errors.ts";
import type { ArgsOf, Op, ResultOf } from "../wire/messages.ts";
import type { TrackerApi } from "./commands.ts";

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
