/**
 * The dashboard's endpoint builder in a real browser (Debian's Chromium via playwright-core), end to end against the
 * real server and a real loopback receiver: sign-in and the event type editor, building a Referral Factory endpoint,
 * editing its headers, a test event, the message log and the chart. The flows build on each other in order; every
 * screen is checked with axe-core, and no screen may log a console error or see a failed request unless the test
 * made it on purpose (test/support/browser-session.ts).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { api } from "../support/api.ts";
import { assertAccessible } from "../support/browser.ts";
import { browserSessionForTests } from "../support/browser-session.ts";
import { addHeaders, openSection, pickReferralFields } from "../support/dashboard-steps.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";

// Browser globals, for the functions that run inside the page (page.evaluate).
declare const document: { documentElement: object; activeElement: { id: string } | null };
declare function getComputedStyle(element: object): { getPropertyValue(name: string): string };

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

const session = browserSessionForTests();
let receiver: Receiver;
const state: { appId?: string } = {};

before(async () => {
  receiver = await startReceiver(() => ({
    status: 200,
    headers: { "x-receiver": "test", "x-note": "<b>not bold</b>" },
    body: "thanks from the receiver",
  }));
});
after(() => receiver?.close());

async function sendMessage(appId: string, payload: Record<string, unknown>) {
  const response = await api(session.server, "POST", `/api/v1/app/${appId}/msg`, {
    eventType: "referral.created",
    payload,
  });
  assert.equal(response.status, 202, JSON.stringify(response.body));
}

test("sign in with the API token (cookie, not storage), then the event type editor", async () => {
  const { page, server, watched } = session;
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
  const { page, server, watched } = session;
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
  await addHeaders(page, [
    ["X-Tenant", "acme"],
    ["X-Remove", "1"],
  ]);
  await assertAccessible(page, "builder: headers");

  const line = page.getByTestId("preview-request-line");
  await line.filter({ hasText: EXPECTED_QUERY }).waitFor();
  const previewed = new URL((await line.textContent())?.replace(/^GET /, "") ?? "");
  assert.equal(previewed.search, EXPECTED_QUERY);
  assert.match((await page.getByTestId("preview-headers").textContent()) ?? "", /authorization: \*{8}/);

  await page.getByRole("button", { name: "Create endpoint" }).click();
  const secret = (await page.getByTestId("created-secret").textContent()) ?? "";
  assert.match(secret, /^whsec_/);
  await assertAccessible(page, "secret shown once");
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await page.getByTestId("created-secret").count(), 0, "the secret is not shown again");

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
  const { page } = session;
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
  const { page } = session;
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

  await openSection(page, "Messages");
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
