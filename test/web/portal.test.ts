/**
 * The tenant portal in a real browser: a portal link shown in an iframe on another origin (only its own application,
 * the link's colour, another application's ids answered as unknown ones) and a read-only link (no edit actions, its
 * writes refused, the application's theme). The dashboard makes the links for an application and endpoint made
 * through the API; every screen is checked with axe-core and may log no error (test/support/browser-session.ts).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, test } from "node:test";
import { api } from "../support/api.ts";
import { assertAccessible, rowsOnPage, watchedPage } from "../support/browser.ts";
import { browserSessionForTests } from "../support/browser-session.ts";
import { openApplication, openSection, signIn } from "../support/dashboard-steps.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { freePort } from "../support/server.ts";

// Browser globals, for the functions that run inside the page (page.evaluate).
declare const document: { documentElement: object };
declare function getComputedStyle(element: object): { getPropertyValue(name: string): string };
declare const location: { hash: string };

/** Messages delivered to the endpoint before the flows start: more attempts than one page of 10 shows. */
const MESSAGES = 12;

const framerPort = await freePort();
let framer: Server | undefined;
let receiver: Receiver;
const state: { appId?: string; portalUrl?: string } = {};

const session = browserSessionForTests(
  { OUTBOUND_PORTAL_FRAME_ANCESTORS: `http://127.0.0.1:${framerPort}` },
  async ({ server, page }) => {
    receiver = await startReceiver();
    const app = await server.svix.application.create({ name: "Referral Co" });
    state.appId = app.id;
    await server.svix.endpoint.create(app.id, { url: receiver.url, description: "Referral Factory" });
    for (let i = 0; i < MESSAGES; i += 1) {
      await server.svix.message.create(app.id, { eventType: "referral.created", payload: { i } });
    }
    await receiver.waitFor(MESSAGES);
    await signIn(page, server);
    await openApplication(page, "Referral Co");
  },
);
after(async () => {
  await receiver?.close();
  await new Promise((resolve) => (framer ? framer.close(resolve) : resolve(undefined)));
});

test("a portal link in an iframe on another origin lists only its own application", async () => {
  const { browser, page, server } = session;
  const other = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Other tenant" });
  const foreign = await api<{ id: string }>(server, "POST", `/api/v1/app/${other.body.id}/endpoint`, {
    url: "https://other.example.com/hook",
    description: "Other tenant endpoint",
  });
  await openSection(page, "Portal link");
  await page.getByLabel("Primary colour").fill("#aa3300");
  await page.getByRole("button", { name: "Create portal link" }).click();
  const portalUrl = (await page.getByTestId("portal-url").textContent()) ?? "";
  assert.match(portalUrl, /\/portal\/#token=appsk_/);
  state.portalUrl = portalUrl;
  await assertAccessible(page, "portal link");

  const site = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(
      `<!doctype html><html lang="en"><head><title>Customer site</title></head><body><main><h1>Your webhooks</h1><iframe title="Webhooks portal" src="${portalUrl}" width="1200" height="800"></iframe></main></body></html>`,
    );
  });
  framer = site;
  await new Promise<void>((resolve) => site.listen(framerPort, "127.0.0.1", resolve));
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
  const { browser, page, server } = session;
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

test("an endpoint's attempts page with the API's cursors, and the chart keeps drawing the latest", async () => {
  const { browser, server } = session;
  const tenant = await watchedPage(browser);
  await tenant.page.goto(state.portalUrl ?? "");
  await tenant.page.getByRole("button", { name: "Referral Factory", exact: true }).click();
  const section = tenant.page.getByRole("region", { name: "Delivery attempts" });
  const rows = section.locator("tbody tr");
  const pager = section.getByRole("navigation", { name: "Attempt pages" });
  const chart = tenant.page.getByRole("table", { name: /^Success rate and latency of the latest/ });
  const chartCaption = async () => (await chart.locator("caption").textContent()) ?? "";
  const messageIds = (cells: string[][]) => cells.map((row) => row[1]);

  // One attempt per message, 10 a page: two pages, the second with the oldest two.
  await pager.getByLabel("Rows per page").selectOption("10");
  const first = await eventually(
    () => rowsOnPage(pager, rows, 1, 10, "the first page of attempts"),
    (cells) => cells.length === 10,
    "ten attempts",
  );
  assert.match(await chartCaption(), /latest 12 attempts$/);
  assert.equal(await pager.getByRole("button", { name: "Previous" }).isDisabled(), true);
  await pager.getByRole("button", { name: "Next" }).click();
  const second = await rowsOnPage(pager, rows, 2, 2, "the second page of attempts");
  assert.equal(await pager.getByRole("button", { name: "Next" }).isDisabled(), true, "the last page");
  const sent = (await server.svix.message.list(state.appId ?? "", { limit: 50 })).data.map((m) => m.id);
  // Attempts are listed newest first by when they were made, which need not be the order the messages were sent.
  assert.deepEqual(
    [...messageIds(first), ...messageIds(second)].sort(),
    [...sent].sort(),
    "every message's attempt once, over both pages",
  );
  assert.match(await chartCaption(), /latest 12 attempts$/, "the chart is not drawn from the page's rows");
  await assertAccessible(tenant.page, "endpoint attempts, page 2");

  await pager.getByRole("button", { name: "Previous" }).click();
  const back = await eventually(
    () => rowsOnPage(pager, rows, 1, 10, "back on the first page"),
    (cells) => cells[0]?.[1] === first[0]?.[1],
    "the first page again (prevIterator)",
  );
  assert.deepEqual(messageIds(back), messageIds(first));
  tenant.assertClean();
  await tenant.context.close();
});
