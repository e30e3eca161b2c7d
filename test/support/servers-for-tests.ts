/**
 * The hooks most end-to-end files repeat, as one call at the top of the file:
 *
 *   const server = serverForTests({ OUTBOUND_RETRY_SCHEDULE: "1h" }); // one server for the file's tests
 *   const receiver = receiverForTests();                              // one loopback receiver for them
 *   beforeTests(() => ensureEventType(server.svix, "a"));             // set-up once both have started
 *   stopServersAfterTests();                                          // only the clean-up: tests start their own
 *
 * Every one of them stops every server after the file's last test and prints a failed test's server logs. The
 * server and receiver are started by `before`, after the file's body has run, so what these return stands in for
 * them: use it inside tests and `beforeTests` (a plain top-level `before` runs side by side with their start);
 * reading it earlier throws.
 */
import { after, afterEach, before, type TestContext } from "node:test";
import { type Receiver, type Responder, startReceiver } from "./receiver.ts";
import {
  reportServerLogsOnFailure,
  type StartOptions,
  startServer,
  stopAllServers,
  type TestServer,
} from "./server.ts";

let cleanUpRegistered = false;

/** After the last test, stops every server this file started; after a failed test, prints their logs. */
export function stopServersAfterTests(): void {
  if (cleanUpRegistered) return;
  cleanUpRegistered = true;
  after(stopAllServers);
  afterEach(reportServerLogsOnFailure);
}

/** Whatever serverForTests/receiverForTests are starting: beforeTests waits for it. */
const starting: Array<Promise<unknown>> = [];

/**
 * Starts `start()` in a `before` hook and returns a stand-in that forwards every property to what it started. The
 * promise is recorded when the hook is registered: node:test runs top-level `before` hooks at once, side by side,
 * so a later hook cannot rely on running after this one.
 */
function startBefore<T extends object>(what: string, start: () => Promise<T>): [T, () => T | undefined] {
  let value: T | undefined;
  let settle: { resolve(): void; reject(error: unknown): void } | undefined;
  const started = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  started.catch(() => {}); // reported by the hook that failed; beforeTests rethrows it
  starting.push(started);
  before(async () => {
    try {
      value = await start();
      settle?.resolve();
    } catch (error) {
      settle?.reject(error);
      throw error;
    }
  });
  const standIn = new Proxy({} as T, {
    get(_target, key) {
      if (value === undefined)
        throw new Error(`${what} is started by before(): use it inside a test or hook`);
      return Reflect.get(value, key, value);
    },
  });
  return [standIn, () => value];
}

/** One server (`startServer(env, options)`) for every test of the file, started before the first. */
export function serverForTests(env: Record<string, string> = {}, options: StartOptions = {}): TestServer {
  stopServersAfterTests();
  return startBefore("the server", () => startServer(env, options))[0];
}

/** One loopback receiver for every test of the file, started before the first and closed after the last. */
export function receiverForTests(responder?: Responder): Receiver {
  const [receiver, started] = startBefore("the receiver", () => startReceiver(responder));
  after(() => started()?.close());
  return receiver;
}

/** A loopback receiver for one test, closed when that test ends. */
export async function receiverForTest(t: TestContext, responder?: Responder): Promise<Receiver> {
  const receiver = await startReceiver(responder);
  t.after(() => receiver.close());
  return receiver;
}

/** Runs `setUp` before the file's tests, once the servers and receivers above have started. */
export function beforeTests(setUp: () => Promise<unknown> | unknown): void {
  before(async () => {
    await Promise.all(starting);
    await setUp();
  });
}
