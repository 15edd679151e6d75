import assert from "node:assert/strict";
import { reportUncaught } from "./run.ts";

Deno.test("reportUncaught() turns an uncaught error or rejection into one peer: line", () => {
  const lines: string[] = [];
  const remove = reportUncaught((line) => lines.push(line));
  try {
    const error = new ErrorEvent("error", { error: new Error("boom"), cancelable: true });
    globalThis.dispatchEvent(error);
    assert.equal(error.defaultPrevented, true, "no stack trace, the shell goes on");
    const promise = Promise.reject(new RangeError("late"));
    promise.catch(() => {}); // only the event is under test, not a real unhandled rejection
    const rejection = new PromiseRejectionEvent("unhandledrejection", {
      promise,
      reason: new RangeError("late"),
      cancelable: true,
    });
    globalThis.dispatchEvent(rejection);
    assert.equal(rejection.defaultPrevented, true);
  } finally {
    remove();
  }
  globalThis.dispatchEvent(
    new ErrorEvent("error", { error: new Error("after"), cancelable: true }),
  );
  assert.deepEqual(lines, ["peer: unexpected error: boom", "peer: unexpected error: late"]);
});
