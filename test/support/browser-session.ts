/**
 * What every browser test file sets up: one server, one Chromium and one watched page for the file's flows (which
 * build on each other in order), the server's logs printed for a failed test, and no console error or failed
 * request left unexplained after any test. The steps on the screens are in dashboard-steps.ts.
 */
import { after, afterEach, before } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, type WatchedPage, watchedPage } from "./browser.ts";
import { reportServerLogsOnFailure, startServer, stopAllServers, type TestServer } from "./server.ts";

export interface BrowserSession {
  server: TestServer;
  browser: Browser;
  /** The dashboard's page; `watched.allow` accepts problems a test causes on purpose. */
  watched: WatchedPage;
  page: Page;
}

/**
 * Starts the session in `before` (the returned object is filled in then: use it inside tests and hooks) and stops
 * it after the file's last test. `env` is the server's environment; `setUp` runs once the session has started
 * (node:test runs a file's top-level `before` hooks side by side, so a separate one could not wait for it).
 */
export function browserSessionForTests(
  env: Record<string, string> = {},
  setUp: (session: BrowserSession) => Promise<void> = async () => {},
): BrowserSession {
  const session = {} as BrowserSession;
  before(async () => {
    // Side by side: each takes a few seconds on a loaded machine.
    [session.server, session.browser] = await Promise.all([startServer(env), launchBrowser()]);
    session.watched = await watchedPage(session.browser);
    session.page = session.watched.page;
    await setUp(session);
  });
  afterEach((t) => {
    reportServerLogsOnFailure(t);
    // A screen that logged an error fails the test that showed it.
    session.watched?.assertClean();
  });
  after(async () => {
    await session.browser?.close();
    await stopAllServers();
  });
  return session;
}
