/**
 * `npm run screenshots`: drives the same browser as the tests through each main screen, against a fresh server
 * with example data, and writes docs/screenshots/*.png (committed; the README shows them). Not part of `npm test`.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { api } from "../support/api.ts";
import { launchBrowser, watchedPage } from "../support/browser.ts";
import {
  addCrmIssuerAndFirstName,
  addHeaders,
  openSection,
  pickReferralFields,
} from "../support/dashboard-steps.ts";
import { startReceiver } from "../support/receiver.ts";
import { startServer, stopAllServers } from "../support/server.ts";

const out = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
mkdirSync(out, { recursive: true });

const server = await startServer();
const receiver = await startReceiver((_request, n) =>
  n % 7 === 3 ? { status: 500, body: "try again" } : { body: "ok" },
);
const browser = await launchBrowser();
try {
  const example = {
    email: "ada@example.com",
    name: { first: "Ada", last: "Lovelace" },
    referral_code: "R-42",
    source: "Referred",
  };
  await api(server, "POST", "/api/v1/event-type", {
    name: "referral.created",
    description: "Someone was referred by a customer",
    schemas: { "1": { type: "object", examples: [example] } },
  });
  await api(server, "POST", "/api/v1/event-type", {
    name: "referral.converted",
    description: "A referral became a customer",
  });
  const app = (
    await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Acme Referrals", uid: "acme" })
  ).body;
  await api(server, "POST", "/api/v1/app", { name: "Globex" });
  const endpoint = (
    await api<{ id: string }>(server, "POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url,
      description: "CRM sync",
      eventTypes: ["referral.created"],
      headers: { "X-Tenant": "acme" },
      delivery: {
        mapping: {
          fields: [
            { to: "email_address", from: "email" },
            { to: "first_name", from: "name.first" },
          ],
        },
        filter: { source: { $in: ["Referred", "Direct"] } },
      },
    })
  ).body;
  for (let i = 0; i < 14; i += 1) {
    await api(server, "POST", `/api/v1/app/${app.id}/msg`, {
      eventType: "referral.created",
      payload: { ...example, n: i },
    });
  }
  await receiver.waitFor(14);

  const { page } = await watchedPage(browser, { viewport: { width: 1280, height: 860 } });
  const shot = (name: string) => page.screenshot({ path: `${out}${name}.png`, fullPage: true });
  await page.goto(`${server.url}/`);
  await page.getByLabel("API token").fill(server.token);
  await shot("sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Open Acme Referrals" }).waitFor();
  await shot("applications");
  await page.getByRole("button", { name: "Open Acme Referrals" }).click();
  await page.getByRole("button", { name: "CRM sync", exact: true }).waitFor();
  await shot("endpoints");

  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByLabel("Endpoint URL").fill("https://app.referral-factory.example/hooks/inbound?campaign=7");
  await page.getByLabel("Name", { exact: true }).fill("Referral Factory");
  await page.getByRole("button", { name: "2. Events" }).click();
  await page.getByRole("checkbox", { name: /referral\.created/ }).check();
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 field").fill("source");
  await page.getByLabel("Condition 1 values").fill("Referred, Direct");
  await page.getByRole("button", { name: "3. Payload" }).click();
  await pickReferralFields(page);
  await page.getByRole("button", { name: "4. Delivery" }).click();
  await page.getByLabel("HTTP method").selectOption("GET");
  await page.getByLabel("Credentials").selectOption("basic");
  await page.getByLabel("Username").fill("rf");
  await page.getByLabel("Password").fill("s3cret");
  await page.getByRole("button", { name: "3. Payload" }).click();
  await page.getByTestId("preview-request-line").filter({ hasText: "source_system=outbound" }).waitFor();
  await shot("builder-payload");
  await page.getByRole("button", { name: "5. Headers" }).click();
  await addHeaders(page, [
    ["X-Campaign", "spring"],
    ["X-Tenant", "acme"],
  ]);
  await shot("builder-headers");
  await page.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "CRM sync", exact: true }).click();
  await page.getByRole("button", { name: "Send test event" }).click();
  await page.getByTestId("response-status").first().waitFor();
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.waitForSelector(".chart canvas");
  await shot("endpoint-details");

  await openSection(page, "Directory");
  await addCrmIssuerAndFirstName(page);
  const lines = ["email,FirstName,RecontactMethod,Consent,Tags"];
  for (let i = 0; i < 2000; i += 1)
    lines.push(
      `p${i}@example.com,Name${i},${i % 400 === 9 ? "Pigeon" : "External"},yes,${i % 100 === 0 ? "vip" : ""}`,
    );
  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
  await page.getByLabel("Identifier issuer", { exact: true }).selectOption("crm");
  await page.getByLabel("Attribute for column FirstName").selectOption("FirstName");
  await page.getByLabel("Attribute for column RecontactMethod").selectOption("RecontactMethod");
  await page.getByRole("button", { name: "Start import" }).click();
  await page
    .getByTestId("import-status")
    .filter({ hasText: /^100 %/ })
    .waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Refresh" }).click();
  await shot("directory-import");

  await api(server, "POST", `/api/v1/app/${app.id}/endpoint`, {
    url: `${receiver.url}/chat`,
    eventTypes: ["distribution.external"],
  });
  await openSection(page, "Distributions");
  await page.getByLabel("Audience tags").fill("vip");
  await page.getByRole("button", { name: "Send distribution" }).click();
  await page.getByText("Completed", { exact: true }).waitFor({ timeout: 30_000 });
  await shot("distribution");

  const portal = await api<{ url: string }>(server, "POST", `/api/v1/auth/app-portal-access/${app.id}`, {});
  const customer = await watchedPage(browser, { viewport: { width: 1280, height: 700 } });
  await customer.page.goto(`${portal.body.url}&primaryColor=%230f766e&theme=dark`);
  await customer.page.getByRole("button", { name: "CRM sync", exact: true }).waitFor();
  await customer.page.screenshot({ path: `${out}portal-dark.png`, fullPage: true });
  void endpoint;
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await receiver.close();
  await stopAllServers();
}
