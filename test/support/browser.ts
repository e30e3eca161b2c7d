/**
 * Debian's Chromium driven by playwright-core for the web UI tests: one browser per test file, pages that record
 * every console error, page error and failed or refused request (a screen that logs one fails its test unless the
 * test allowed it), and axe-core run inside the page.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Frame,
  type Locator,
  type Page,
} from "playwright-core";
import { eventually } from "./poll.ts";

export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Problems seen so far: console errors, uncaught errors, failed requests, HTTP answers >= 400. */
  problems: string[];
  /** Accepts problems matching `pattern` from now on (requests a test makes on purpose). */
  allow(pattern: RegExp): void;
  /** Fails with the list of problems seen (none allowed). */
  assertClean(): void;
}

export async function watchedPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  const note = (problem: string) => {
    if (!allowed.some((pattern) => pattern.test(problem))) problems.push(problem);
  };
  page.on("console", (message) => {
    if (message.type() === "error") note(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => note(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "failed";
    // A navigation away or a finished poll cancels requests in flight; that is not a failure of the screen.
    if (failure !== "net::ERR_ABORTED")
      note(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400)
      note(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return {
    page,
    context,
    problems,
    allow: (pattern) => allowed.push(pattern),
    assertClean: () => assert.deepEqual(problems, [], "the screens logged no errors and no request failed"),
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core in the page, or in one frame of it (injected through DevTools, not a script tag, so the page's CSP
 * stays as served).
 */
export async function assertAccessible(page: Page | Frame, screen: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const page = (globalThis as unknown as { document: unknown }).document;
    const result = await axe.run(page, { resultTypes: ["violations"] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.slice(0, 3).map(({ target }) => ({ target })),
    }));
  });
  const serious = violations.filter(
    (violation) => violation.impact === "serious" || violation.impact === "critical",
  );
  assert.deepEqual(serious, [], `axe-core on ${screen}: ${JSON.stringify(serious, null, 2)}`);
}

/**
 * Waits until a paged table's `<Pager>` says page `number` and `rows` counts `count`, then returns each row's cell
 * texts. The earlier page's rows stay until the new page arrives: callers also wait for rows that differ.
 */
export async function rowsOnPage(
  pager: Locator,
  rows: Locator,
  number: number,
  count: number,
  what: string,
): Promise<string[][]> {
  await pager
    .getByTestId("pager-page")
    .filter({ hasText: `Page ${number}` })
    .waitFor();
  await eventually(
    () => rows.count(),
    (n) => n === count,
    what,
  );
  return rows.evaluateAll((trs) =>
    trs.map((tr) =>
      [...(tr as unknown as { children: Iterable<{ textContent: string | null }> }).children].map(
        (td) => td.textContent ?? "",
      ),
    ),
  );
}
