import assert from "node:assert/strict";
import { test } from "node:test";
import { AttemptStop, type StopSignal } from "../../src/delivery/attempt-stop.ts";

/** The same calls on an AbortController's signal and on an AttemptStop: what each listener saw, in order. */
function run(stop: StopSignal, abort: () => void): string[] {
  const calls: string[] = [];
  const removed = () => calls.push("removed");
  const handler = { handleEvent: () => calls.push(`object, aborted=${stop.aborted}`) };
  stop.addEventListener("abort", () => calls.push("first"), { once: true });
  stop.addEventListener("abort", removed, { once: true });
  stop.addEventListener("abort", handler, { once: true });
  stop.addEventListener("abort", () => calls.push("last"), { once: true });
  stop.removeEventListener("abort", removed);
  stop.removeEventListener("abort", () => calls.push("never added"));
  calls.push(`before: aborted=${stop.aborted}`);
  abort();
  abort(); // a second abort calls nobody again
  stop.addEventListener("abort", () => calls.push("added after the abort"), { once: true });
  calls.push(`reason: ${(stop.reason as Error).name}`);
  return calls;
}

test("AttemptStop calls its listeners as an AbortSignal does: once, in order, none removed or added late", () => {
  const controller = new AbortController();
  const expected = run(controller.signal, () => controller.abort());
  const stop = new AttemptStop();
  assert.deepEqual(
    run(stop, () => stop.abort()),
    expected,
  );
  assert.deepEqual(expected, [
    "before: aborted=false",
    "first",
    "object, aborted=true",
    "last",
    "reason: AbortError",
  ]);
});
