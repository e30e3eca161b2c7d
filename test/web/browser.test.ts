/**
 * The dashboard and the tenant portal in a real browser (Debian's Chromium via playwright-core), end to end against
 * the real server and real loopback receivers. One server, one browser, one receiver for the whole file; the flows
 * build on each other in order. Every screen is checked with axe-core, and no screen may log a console error or
 * see a failed request unless the test made it on purpose.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, afterEach, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { api } from "../support/api.ts";
import {
  assertAccessible,
  launchBrowser,
  pickReferralFields,
  type WatchedPage,
  watchedPage,
} from "../support/browser.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import {
  freePort,
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

// Browser globals, for the functions that run inside the page (page.evaluate).
declare const document: { documentElement: object; activeElement: { id: string } | null };
declare function getComputedStyle(element: object): { getPropertyValue(name: string): string };
declare const location: { hash: string };

const EXAMPLE = {
  email: "ada@example.com",
  name: { first: "Ada", last: "Lovelace" },
  referral_code: "R-42",
  source: "Referred",
  campaign: "spring",
};
/** What the builder below must produce for EXAMPLE: renamed, reordered, one static property, GET. */
const EXPECTED_QUERY =
  "?campaign=7&first_name=Ada&email_address=ada%40example.com&code=R-42&source_system=outbound";

let server: TestServer;
let browser: Browser;
let receiver: Receiver;
let framer: Server;
let framerPort: number;
let watched: WatchedPage;
let page: Page;
const state: { appId?: string; endpointId?: string; secret?: string } = {};

before(async () => {
  framerPort = await freePort();
  server = await startServer({ OUTBOUND_PORTAL_FRAME_ANCESTORS: `http://127.0.0.1:${framerPort}` });
  receiver = await startReceiver(() => ({
    status: 200,
    headers: { "x-receiver": "test", "x-note": "<b>not bold</b>" },
    body: "thanks from the receiver",
  }));
  browser = await launchBrowser();
  watched = await watchedPage(browser);
  page = watched.page;
});
after(async () => {
  await browser?.close();
  await receiver?.close();
  await new Promise((resolve) => (framer ? framer.close(resolve) : resolve(undefined)));
  await stopAllServers();
});
afterEach((t) => reportServerLogsOnFailure(t));

async function sendMessage(appId: string, payload: Record<string, unknown>) {
  const response = await api(server, "POST", `/api/v1/app/${appId}/msg`, {
    eventType: "referral.created",
    payload,
  });
  assert.equal(response.status, 202, JSON.stringify(response.body));
}

test("sign in with the API token (cookie, not storage), then the event type editor", async () => {
  await page.goto(`${server.url}/`);
  await page.getByLabel("API token").waitFor();
  // Keyboard first: Tab reaches the token field, and focus is visible (an outline, not just a colour change).
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    return element ? `${element.id}|${getComputedStyle(element).getPropertyValue("outline-style")}` : "";
  });
  const tokenFieldId = await page.getByLabel("API token").getAttribute("id");
  assert.equal(focus, `${tokenFieldId}|solid`);
  await page.getByLabel("API token").fill(server.token);
  await assertAccessible(page, "sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Applications" }).waitFor();
  const cookies = await watched.context.cookies();
  assert.deepEqual(
    cookies.map(({ name, httpOnly, sameSite }) => ({ name, httpOnly, sameSite })),
    [{ name: "outbound_session", httpOnly: true, sameSite: "Strict" }],
  );
  const stored = await page.evaluate(() => {
    const w = globalThis as unknown as { localStorage: Storage; sessionStorage: Storage };
    return JSON.stringify({ ...w.localStorage }) + JSON.stringify({ ...w.sessionStorage });
  });
  assert.ok(!stored.includes(server.token), "the token is kept nowhere a script can read it");
  await assertAccessible(page, "applications");

  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Event types" }).click();
  await page.getByRole("button", { name: "New event type" }).click();
  await page.getByLabel("Event type name").fill("referral.created");
  await page.getByLabel("Description").fill("Someone was referred");
  await page.getByLabel("Example payload (JSON)").fill(JSON.stringify(EXAMPLE, null, 2));
  await assertAccessible(page, "event type editor");
  await page.getByRole("button", { name: "Save event type" }).click();
  await page.getByRole("cell", { name: "referral.created", exact: true }).waitFor();
});

test("build a Referral Factory endpoint; the receiver gets exactly the previewed query string", async () => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Applications" }).click();
  await page.getByLabel("Application name").fill("Referral Co");
  await page.getByRole("button", { name: "Create application" }).click();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  state.appId = (
    await api<{ data: Array<{ id: string; name: string }> }>(server, "GET", "/api/v1/app")
  ).body.data.find((app) => app.name === "Referral Co")?.id;
  assert.ok(state.appId);

  // The URL is checked by the server as it is typed; the reason shows under the field (a 422 on purpose).
  watched.allow(/422.*\/endpoint\/preview-request\)?$/);
  await page.getByLabel("Endpoint URL").fill("ftp://files.example.com/in");
  const urlError = page.getByRole("alert").filter({ hasText: /http/ });
  await urlError.waitFor();
  await page.getByLabel("Endpoint URL").fill(`${receiver.url}?campaign=7`);
  await urlError.waitFor({ state: "detached" });
  await page.getByLabel("Name", { exact: true }).fill("Referral Factory");
  await page.getByRole("button", { name: "2. Events" }).click();
  await page.getByRole("checkbox", { name: /referral\.created/ }).check();
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 field").fill("source");
  await page.getByLabel("Condition 1 operator").selectOption("in");
  await page.getByLabel("Condition 1 values").fill("Referred, Direct");
  await assertAccessible(page, "builder: events");

  await page.getByRole("button", { name: "3. Payload" }).click();
  await pickReferralFields(page);
  // Keyboard-reachable buttons: code goes above first_name…
  await page.getByRole("button", { name: "Move code up" }).click();
  // …and drag and drop: first_name to the top.
  const handle = await page.getByRole("button", { name: "Drag first_name to reorder" }).boundingBox();
  const top = await page.getByRole("button", { name: "Drag email_address to reorder" }).boundingBox();
  assert.ok(handle && top);
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(top.x + top.width / 2, top.y + 2, { steps: 12 });
  await page.mouse.up();
  // And the same drag and drop with the keyboard alone: Space picks up, arrows move, Space drops.
  await page.getByRole("button", { name: "Drag email_address to reorder" }).focus();
  // dnd-kit works in steps after each key: each key waits for its announcement in the live region.
  const live = async (what: string, accept: (text: string) => boolean) =>
    eventually(async () => (await page.locator("[id^=DndLiveRegion]").textContent()) ?? "", accept, what);
  await page.keyboard.press("Space");
  await live("the pick-up", (text) => /Picked up|was moved over/.test(text));
  // The keyboard sensor starts listening for arrows in a timer it sets at pick-up: let that timer run first.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  await page.keyboard.press("ArrowDown");
  await live("the move", (text) => /item (\w+) was moved over droppable area (?!\1\.)/.test(text));
  await page.keyboard.press("Space");
  await live("the drop", (text) => /was dropped over/.test(text));
  const names = page
    .getByRole("list", { name: "Payload fields in order" })
    .getByRole("textbox", { name: /^Send / });
  const order = ["first_name", "code", "email_address", "source_system"];
  await eventually(
    () => names.evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value)),
    (values) => JSON.stringify(values) === JSON.stringify(order),
    "the keyboard drop to reorder the fields",
  );
  await page.getByRole("button", { name: "Move email_address up" }).click();
  await assertAccessible(page, "builder: payload");

  await page.getByRole("button", { name: "4. Delivery" }).click();
  await page.getByLabel("HTTP method").selectOption("GET");
  await page.getByLabel("Credentials").selectOption("basic");
  await page.getByLabel("Username").fill("rf");
  await page.getByLabel("Password").fill("s3cret");
  await assertAccessible(page, "builder: delivery");

  await page.getByRole("button", { name: "5. Headers" }).click();
  for (const [name, value] of [
    ["X-Tenant", "acme"],
    ["X-Remove", "1"],
  ] as const) {
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header name").fill(name);
    await page.getByLabel("Header value").fill(value);
    await page.getByRole("button", { name: "Save header" }).click();
  }
  await assertAccessible(page, "builder: headers");

  const line = page.getByTestId("preview-request-line");
  await line.filter({ hasText: EXPECTED_QUERY }).waitFor();
  const previewed = new URL((await line.textContent())?.replace(/^GET /, "") ?? "");
  assert.equal(previewed.search, EXPECTED_QUERY);
  assert.match((await page.getByTestId("preview-headers").textContent()) ?? "", /authorization: \*{8}/);

  await page.getByRole("button", { name: "Create endpoint" }).click();
  const secret = (await page.getByTestId("created-secret").textContent()) ?? "";
  assert.match(secret, /^whsec_/);
  state.secret = secret;
  await assertAccessible(page, "secret shown once");
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await page.getByTestId("created-secret").count(), 0, "the secret is not shown again");

  const endpoints = await api<{ data: Array<{ id: string }> }>(
    server,
    "GET",
    `/api/v1/app/${state.appId}/endpoint`,
  );
  state.endpointId = endpoints.body.data[0]?.id;

  await sendMessage(state.appId, { ...EXAMPLE, source: "Added" }); // filtered out: no request
  await sendMessage(state.appId, EXAMPLE);
  const [received] = await receiver.waitFor(1);
  assert.ok(received);
  assert.equal(received.method, "GET");
  assert.equal(received.url, `${previewed.pathname}${previewed.search}`);
  assert.equal(received.headers.authorization, `Basic ${Buffer.from("rf:s3cret").toString("base64")}`);
  assert.equal(received.headers["x-tenant"], "acme");
  assert.equal(received.headers["x-remove"], "1");
  // Standard Webhooks signs a GET's query string: checked with the secret the builder showed once.
  const signed = new Webhook(secret).sign(
    received.headers["webhook-id"] ?? "",
    new Date(Number(received.headers["webhook-timestamp"]) * 1000),
    previewed.search.slice(1),
  );
  assert.ok(received.headers["webhook-signature"]?.split(" ").includes(signed), "signature verifies");
});

test("edit one custom header and delete another; the next delivery changes", async () => {
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  await page.getByRole("button", { name: "5. Headers" }).click();
  await page.getByRole("button", { name: "Edit header X-Tenant" }).click();
  await page.getByLabel("Header value").fill("acme-2");
  await page.getByRole("button", { name: "Save header" }).click();
  await page.getByRole("button", { name: "Delete header X-Remove" }).click();
  await page.getByTestId("preview-headers").filter({ hasText: "x-tenant: acme-2" }).waitFor();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByRole("heading", { name: "Send a test event" }).waitFor();

  await sendMessage(state.appId ?? "", EXAMPLE);
  const requests = await receiver.waitFor(2);
  assert.equal(requests[1]?.headers["x-tenant"], "acme-2");
  assert.equal(requests[1]?.headers["x-remove"], undefined);
  assert.equal(requests[1]?.url, `/hook${EXPECTED_QUERY}`, "the mapping and credentials survived the edit");
  assert.equal(requests[1]?.headers.authorization, `Basic ${Buffer.from("rf:s3cret").toString("base64")}`);
});

test("send a test event and see the attempt with its response; the logs and the chart", async () => {
  await page.getByLabel("Event type to test").selectOption("referral.created");
  await page.getByRole("button", { name: "Send test event" }).click();
  await page.getByTestId("response-status").filter({ hasText: "200" }).first().waitFor();
  const attempt = page.getByRole("region", { name: /^Attempt atmpt_/ }).first();
  assert.match((await attempt.textContent()) ?? "", /thanks from the receiver/);
  // The response headers as the receiver sent them, as text.
  const headers = (await attempt.locator('pre[data-label="Response headers"]').textContent()) ?? "";
  assert.match(headers, /^content-type: text\/plain$/m);
  assert.match(headers, /^x-receiver: test$/m);
  assert.match(headers, /^x-note: <b>not bold<\/b>$/m, "markup in a header is shown as text");
  assert.equal(await attempt.locator('pre[data-label="Response headers"] b').count(), 0);
  await receiver.waitFor(3);
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByRole("button", { name: "View" }).first().waitFor();
  await assertAccessible(page, "endpoint details");

  await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Messages" }).click();
  await page.getByRole("button", { name: "View" }).first().click();
  await page.getByText("thanks from the receiver").first().waitFor();
  await page.locator('pre[data-label="Response headers"]', { hasText: "x-receiver: test" }).first().waitFor();
  await assertAccessible(page, "message log");
  // Filtered by endpoint and status: two API messages and the test event succeeded; the one the filter kept out of
  // this endpoint is not there.
  await page.getByLabel("Endpoint", { exact: true }).selectOption({ label: "Referral Factory" });
  await page.getByLabel("Delivery status").selectOption("0");
  const rows = page.getByRole("row").filter({ has: page.getByRole("button", { name: /View|Hide/ }) });
  await eventually(
    () => rows.count(),
    (count) => count === 3,
    "three delivered messages",
  );
  assert.equal(await page.getByRole("row").filter({ hasText: "Succeeded" }).count(), 3);
  const messagePages = page.getByRole("navigation", { name: "Message pages" });
  assert.equal(
    await messagePages.getByRole("button", { name: "Next" }).isDisabled(),
    true,
    "one page holds them",
  );
  await page.getByLabel("Delivery status").selectOption("2");
  await eventually(
    () => rows.count(),
    (count) => count === 0,
    "no failed message",
  );
});

test("a portal link in an iframe on another origin lists only its own application", async () => {
  const other = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Other tenant" });
  const foreign = await api<{ id: string }>(server, "POST", `/api/v1/app/${other.body.id}/endpoint`, {
    url: "https://other.example.com/hook",
    description: "Other tenant endpoint",
  });
  await page
    .getByRole("navigation", { name: "Sections" })
    .getByRole("button", { name: "Portal link" })
    .click();
  await page.getByLabel("Primary colour").fill("#aa3300");
  await page.getByRole("button", { name: "Create portal link" }).click();
  const portalUrl = (await page.getByTestId("portal-url").textContent()) ?? "";
  assert.match(portalUrl, /\/portal\/#token=appsk_/);
  await assertAccessible(page, "portal link");

  framer = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(
      `<!doctype html><html lang="en"><head><title>Customer site</title></head><body><main><h1>Your webhooks</h1><iframe title="Webhooks portal" src="${portalUrl}" width="1200" height="800"></iframe></main></body></html>`,
    );
  });
  await new Promise<void>((resolve) => framer.listen(framerPort, "127.0.0.1", resolve));
  const customer = await watchedPage(browser);
  customer.allow(new RegExp(`${other.body.id}|app_doesnotexist`));
  await customer.page.goto(`http://127.0.0.1:${framerPort}/`);
  const portal = customer.page.frameLocator("iframe");
  await portal.getByRole("heading", { name: "Referral Co webhooks" }).waitFor();
  await portal.getByRole("button", { name: "Referral Factory", exact: true }).waitFor();
  assert.equal(await portal.getByText("Other tenant endpoint").count(), 0);
  const frame = customer.page.frames().find((candidate) => candidate.url().includes("/portal/"));
  assert.ok(frame);
  assert.equal(
    await frame.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue("--primary").trim(),
    ),
    "#aa3300",
  );
  await assertAccessible(customer.page, "portal in an iframe");

  // Another application's ids answer exactly as ids that do not exist.
  const answers = await frame.evaluate(
    async ([otherApp, otherEndpoint]) => {
      const token = new URLSearchParams(location.hash.slice(1)).get("token");
      const get = async (path: string) => {
        const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
        return `${response.status} ${await response.text()}`;
      };
      return [
        await get(`/api/v1/app/${otherApp}/endpoint/${otherEndpoint}`),
        await get(`/api/v1/app/app_doesnotexist/endpoint/${otherEndpoint}`),
        await get(`/api/v1/app/${otherApp}/endpoint`),
        await get("/api/v1/app/app_doesnotexist/endpoint"),
      ];
    },
    [other.body.id, foreign.body.id],
  );
  assert.equal(answers[0], answers[1]);
  assert.equal(answers[2], answers[3]);
  assert.match(answers[0] ?? "", /^404 /);
  customer.assertClean();
  await customer.context.close();
});

test("a read-only portal link shows no edit actions, and the server refuses its writes", async () => {
  // Theme per application (metadata) under the link's own choices: dark from the application, colour from the link.
  const patched = await api(server, "PATCH", `/api/v1/app/${state.appId}`, {
    metadata: { "portal.theme": "dark", "portal.primaryColor": "#0f766e" },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const previous = (await page.getByTestId("portal-url").textContent()) ?? "";
  await page.getByLabel(/^Read-only/).check();
  await page.getByRole("button", { name: "Create portal link" }).click();
  const readOnlyUrl = await eventually(
    async () => (await page.getByTestId("portal-url").textContent()) ?? "",
    (url) => url !== previous,
    "the new portal link",
  );
  const reader = await watchedPage(browser);
  // The write this test makes on purpose (below) is refused: 403 in the network log and the console.
  reader.allow(/403.*\/endpoint\)?$/);
  await reader.page.goto(readOnlyUrl);
  await reader.page.getByRole("button", { name: "Referral Factory", exact: true }).click();
  assert.deepEqual(
    await reader.page.evaluate(() => {
      const root = document.documentElement as unknown as { dataset: { theme?: string } };
      return [
        root.dataset.theme,
        getComputedStyle(document.documentElement).getPropertyValue("--primary").trim(),
      ];
    }),
    ["dark", "#aa3300"],
  );
  await reader.page.getByRole("button", { name: "Reveal signing secret" }).waitFor();
  for (const action of ["Edit", "Rotate secret", "Send test event", "Resend", "Recover"]) {
    assert.equal(await reader.page.getByRole("button", { name: action, exact: true }).count(), 0, action);
  }
  await reader.page.getByRole("button", { name: "← Endpoints" }).click();
  await reader.page.getByRole("heading", { name: "Endpoints" }).waitFor();
  assert.equal(await reader.page.getByRole("button", { name: "Add endpoint" }).count(), 0);
  assert.equal(await reader.page.getByRole("button", { name: /^(Edit|Disable|Delete) / }).count(), 0);
  await assertAccessible(reader.page, "read-only portal");
  const status = await reader.page.evaluate(async (appId) => {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    const response = await fetch(`/api/v1/app/${appId}/endpoint`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/x" }),
    });
    return response.status;
  }, state.appId ?? "");
  assert.equal(status, 403);
  reader.assertClean();
  await reader.context.close();
});

test("import 5,000 CSV rows and watch the bar reach 100 % with the row errors listed", async () => {
  const appId = state.appId ?? "";
  await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Directory" }).click();
  await page.getByLabel("Issuer id").fill("crm");
  await page.getByRole("button", { name: "Add issuer" }).click();
  await page.locator("li code", { hasText: /^crm$/ }).waitFor();
  await page.getByLabel("Attribute label").fill("FirstName");
  await page.getByRole("button", { name: "Add attribute" }).click();
  await page
    .getByRole("listitem")
    .filter({ hasText: /^FirstName/ })
    .waitFor();
  await page.getByLabel("Attribute label").fill("Tier");
  await page.getByLabel("Value type").selectOption("SingleChoice");
  await page.getByLabel("Choices").fill("Gold, Silver");
  await page.getByRole("button", { name: "Add attribute" }).click();
  await page.getByRole("button", { name: "Edit choices of Tier" }).click();
  await page.getByLabel("Choices of Tier").fill("Gold, Silver, Bronze");
  await page.getByRole("button", { name: "Save choices" }).click();
  await page.getByRole("listitem").filter({ hasText: "SingleChoice: Gold, Silver, Bronze" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Edit choices of RecontactMethod" }).count(), 0);
  await assertAccessible(page, "directory");

  const lines = ["email,FirstName,RecontactMethod,Consent,Tags"];
  for (let i = 0; i < 5000; i += 1) {
    const method = i % 500 === 7 ? "Pigeon" : "External";
    lines.push(`p${i}@example.com,Name${i},${method},yes,${i % 250 === 0 ? "vip" : ""}`);
  }
  await page.getByLabel("CSV file").setInputFiles({
    name: "people.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`${lines.join("\n")}\n`),
  });
  await page.getByLabel("Identifier issuer", { exact: true }).selectOption("crm");
  await page.getByLabel("Attribute for column FirstName").selectOption("FirstName");
  await page.getByLabel("Attribute for column RecontactMethod").selectOption("RecontactMethod");
  await assertAccessible(page, "column mapping");
  await page.getByRole("button", { name: "Start import" }).click();
  await page
    .getByTestId("import-status")
    .filter({ hasText: /^100 % · completed/ })
    .waitFor({ timeout: 60_000 });
  assert.equal(await page.locator("#import-progress").getAttribute("value"), "100");
  const errors = page.getByRole("table", { name: "Row errors" }).getByRole("row");
  assert.equal(await errors.count(), 11, "a header row and one row per bad RecontactMethod");
  assert.match((await page.getByTestId("import-status").textContent()) ?? "", /4990 created/);
  await page.getByRole("link", { name: "Download row errors as CSV" }).waitFor();
  await assertAccessible(page, "import finished");
  const listed = await api<{ data: unknown[] }>(
    server,
    "GET",
    `/api/v1/app/${appId}/participant?tag=vip&limit=50`,
  );
  assert.equal(listed.body.data.length, 20);
});

test("the participants table pages with the API's cursors and keeps its filters while paging", async () => {
  const table = page.getByRole("table", { name: "Participants" });
  const rows = table.locator("tbody tr");
  const pager = page.getByRole("navigation", { name: "Participant pages" });
  const onPage = async (number: number, count: number, what: string) => {
    await page
      .getByTestId("pager-page")
      .filter({ hasText: `Page ${number}` })
      .waitFor();
    // The earlier page's rows stay until this one arrives: callers also wait for rows that differ.
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
  };
  // 5,000 imported participants, 50 a page.
  const first = await onPage(1, 50, "the first page");
  assert.equal(await pager.getByRole("button", { name: "Previous" }).isDisabled(), true);
  await pager.getByRole("button", { name: "Next" }).click();
  const second = await eventually(
    () => onPage(2, 50, "the second page"),
    (cells) => cells[0]?.[0] !== first[0]?.[0],
    "the second page's rows",
  );
  assert.equal(new Set([...first, ...second].map((cells) => cells[0])).size, 100, "no row on both pages");

  // The tag filter and 10 rows a page: the 20 vip participants are two pages, and paging keeps the filter.
  await page.getByLabel("Tag", { exact: true }).fill("vip");
  await pager.getByLabel("Rows per page").selectOption("10");
  const vip = await api<{ data: Array<{ externalIdentifiers: Array<{ id: string; issuer: string }> }> }>(
    server,
    "GET",
    `/api/v1/app/${state.appId}/participant?tag=vip&limit=50`,
  );
  const expected = vip.body.data.map((p) =>
    p.externalIdentifiers.map((i) => `${i.issuer}:${i.id}`).join(", "),
  );
  const vip1 = await eventually(
    () => onPage(1, 10, "the first vip page"),
    (cells) => cells.every((row) => row[2] === "vip"),
    "vip rows only",
  );
  await pager.getByRole("button", { name: "Next" }).click();
  const vip2 = await eventually(
    () => onPage(2, 10, "the second vip page"),
    (cells) => cells[0]?.[0] !== vip1[0]?.[0] && cells.every((row) => row[2] === "vip"),
    "the second vip page",
  );
  assert.deepEqual(
    [...vip1, ...vip2].map((cells) => cells[0]),
    expected,
    "both pages, in order, all of them",
  );
  assert.equal(await pager.getByRole("button", { name: "Next" }).isDisabled(), true, "the last page");
  await assertAccessible(page, "participants, page 2");
  await pager.getByRole("button", { name: "Previous" }).click();
  const back = await eventually(
    () => onPage(1, 10, "back on the first vip page"),
    (cells) => cells[0]?.[0] === vip1[0]?.[0],
    "the first vip page again (prevIterator)",
  );
  assert.deepEqual(back, vip1);
  assert.equal(await pager.getByRole("button", { name: "Previous" }).isDisabled(), true);
  await page.getByLabel("Tag", { exact: true }).fill("");
});

test("send a distribution and watch its counts complete", async () => {
  const appId = state.appId ?? "";
  // Distributions go out as distribution.external messages: an endpoint that takes them.
  await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}/distribution`,
    eventTypes: ["distribution.external"],
  });
  const before = receiver.requests.length;
  await page
    .getByRole("navigation", { name: "Sections" })
    .getByRole("button", { name: "Distributions" })
    .click();
  await page
    .getByLabel("Message")
    .fill("Hi {{participant.attributes.FirstName}}, join {{domainBrandName}}: {{chatUrl}}");
  await page.getByLabel("Audience tags").fill("vip");
  await page
    .getByTestId("message-preview")
    .filter({ hasText: /^Hi Name\d+, join Example: https:\/\/chat\.example\.com\/join$/ })
    .waitFor();
  await assertAccessible(page, "distribution composer");
  await page.getByRole("button", { name: "Send distribution" }).click();
  await page.getByText("Completed", { exact: true }).waitFor({ timeout: 30_000 });
  const counts = (await page.getByTestId("distribution-counts").textContent()) ?? "";
  assert.match(counts, /^20targeted20sent20delivered0failed0pending$/);
  assert.equal(
    receiver.requests.slice(before).filter((request) => request.url === "/hook/distribution").length,
    20,
  );
  await assertAccessible(page, "distribution sent");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.deepEqual(await watched.context.cookies(), []);
  watched.assertClean();
});
