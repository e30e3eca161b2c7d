/**
 * The directory in a real browser: a CSV import of 5,000 rows with its progress bar and row errors, the participants
 * table paged with the API's cursors, and a distribution to the imported participants with its counts, then sign-out.
 * The flows build on each other in order; every screen is checked with axe-core and may log no error
 * (test/support/browser-session.ts).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { api } from "../support/api.ts";
import { assertAccessible, rowsOnPage } from "../support/browser.ts";
import { browserSessionForTests } from "../support/browser-session.ts";
import {
  addCrmIssuerAndFirstName,
  openApplication,
  openSection,
  signIn,
} from "../support/dashboard-steps.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";

let receiver: Receiver;
const state: { appId?: string } = {};

const session = browserSessionForTests({}, async ({ server, page }) => {
  receiver = await startReceiver();
  state.appId = (await server.svix.application.create({ name: "Referral Co" })).id;
  await signIn(page, server);
  await openApplication(page, "Referral Co");
});
after(() => receiver?.close());

test("import 5,000 CSV rows and watch the bar reach 100 % with the row errors listed", async () => {
  const { page, server } = session;
  const appId = state.appId ?? "";
  await openSection(page, "Directory");
  await addCrmIssuerAndFirstName(page);
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
  const { page, server } = session;
  const table = page.getByRole("table", { name: "Participants" });
  const rows = table.locator("tbody tr");
  const pager = page.getByRole("navigation", { name: "Participant pages" });
  const onPage = (number: number, count: number, what: string) =>
    rowsOnPage(pager, rows, number, count, what);
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
  const { page, server, watched } = session;
  const appId = state.appId ?? "";
  // Distributions go out as distribution.external messages: an endpoint that takes them.
  await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}/distribution`,
    eventTypes: ["distribution.external"],
  });
  const before = receiver.requests.length;
  await openSection(page, "Distributions");
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
