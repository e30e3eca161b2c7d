/**
 * Steps on the dashboard's screens that more than one browser flow (or `npm run screenshots`) takes, each waiting
 * for the screen to show its result.
 */
import type { Page } from "playwright-core";
import type { TestServer } from "./server.ts";

/** Signs in with the server's API token and waits for the list of applications. */
export async function signIn(page: Page, server: Pick<TestServer, "url" | "token">): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel("API token").fill(server.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Applications" }).waitFor();
}

/** From the list of applications, opens one by name and waits for its sections. */
export async function openApplication(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: `Open ${name}` }).click();
  await page.getByRole("navigation", { name: "Sections" }).waitFor();
}

/** Opens one of the application's sections (Endpoints, Messages, Portal link, Directory, Distributions…). */
export async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name }).click();
}

/**
 * The Referral Factory payload step of the endpoint builder: three event fields renamed (email → email_address,
 * name.first → first_name, referral_code → code) and one static property (source_system = outbound).
 */
export async function pickReferralFields(page: Page): Promise<void> {
  for (const [path, name] of [
    ["email", "email_address"],
    ["name.first", "first_name"],
    ["referral_code", "code"],
  ] as const) {
    await page.getByLabel("Field from the event").selectOption(path);
    await page.getByRole("button", { name: "Add field" }).click();
    await page.getByLabel(`Send ${path} as`).fill(name);
  }
  await page.getByRole("button", { name: "Add static property" }).click();
  await page.getByLabel("Value of static property 4").fill("outbound");
  await page.getByLabel("Send static property as").fill("source_system");
}

/** The builder's headers step: adds each custom header through the header form. */
export async function addHeaders(
  page: Page,
  headers: ReadonlyArray<readonly [string, string]>,
): Promise<void> {
  for (const [name, value] of headers) {
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header name").fill(name);
    await page.getByLabel("Header value").fill(value);
    await page.getByRole("button", { name: "Save header" }).click();
  }
}

/** On the Directory screen: the identifier issuer `crm` and a free-text attribute FirstName, as a CSV import needs. */
export async function addCrmIssuerAndFirstName(page: Page): Promise<void> {
  await page.getByLabel("Issuer id").fill("crm");
  await page.getByRole("button", { name: "Add issuer" }).click();
  await page.locator("li code", { hasText: /^crm$/ }).waitFor();
  await page.getByLabel("Attribute label").fill("FirstName");
  await page.getByRole("button", { name: "Add attribute" }).click();
  await page
    .getByRole("listitem")
    .filter({ hasText: /^FirstName/ })
    .waitFor();
}
