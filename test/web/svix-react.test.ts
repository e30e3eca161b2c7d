/**
 * Svix's own React component, unchanged: a customer page built at test time with Vite from
 * test/fixtures/svix-react-host (svix-react's `<AppPortal url={portalUrl} />`), served from another loopback origin,
 * frames an Outbound portal link. The portal lists the application's endpoints inside AppPortal's iframe, takes
 * AppPortal's theme props, reports its height for `fullSize`, and axe-core finds no serious or critical violation in it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Frame } from "playwright-core";
import { build } from "vite";
import { api } from "../support/api.ts";
import { assertAccessible, launchBrowser, watchedPage } from "../support/browser.ts";
import { eventually } from "../support/poll.ts";
import {
  freePort,
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

declare const document: { documentElement: { dataset: { theme?: string } } };
declare function getComputedStyle(element: object): { getPropertyValue(name: string): string };

const FIXTURE = fileURLToPath(new URL("../fixtures/svix-react-host/", import.meta.url));
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

let server: TestServer;
let browser: Browser;
let host: Server;
let hostUrl: string;
let outDir: string;
let appId: string;
let portalUrl: string;

before(async () => {
  const hostPort = await freePort();
  hostUrl = `http://127.0.0.1:${hostPort}`;
  outDir = mkdtempSync(path.join(tmpdir(), "outbound-svix-react-"));
  // The customer's page, bundled as a customer would (svix-react, React, its stylesheet); never committed.
  await build({
    root: FIXTURE,
    configFile: false,
    logLevel: "silent",
    build: { outDir, emptyOutDir: true, reportCompressedSize: false },
  });
  host = createServer((request, response) => {
    const file = new URL(request.url ?? "/", hostUrl).pathname;
    const relative = file === "/" ? "index.html" : file.slice(1);
    const resolved = path.join(outDir, relative);
    if (!resolved.startsWith(outDir)) return response.writeHead(404).end();
    try {
      const body = readFileSync(resolved);
      response.writeHead(200, {
        "content-type": TYPES[path.extname(resolved)] ?? "application/octet-stream",
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => host.listen(hostPort, "127.0.0.1", resolve));
  server = await startServer({ OUTBOUND_PORTAL_FRAME_ANCESTORS: hostUrl });
  browser = await launchBrowser();

  const app = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Framed Co" });
  appId = app.body.id;
  for (const [description, url] of [
    ["Orders hook", "https://orders.example.com/hook"],
    ["Billing hook", "https://billing.example.com/hook"],
  ]) {
    const created = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, { url, description });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  const access = await api<{ url: string }>(server, "POST", `/api/v1/auth/app-portal-access/${appId}`, {});
  assert.equal(access.status, 200, JSON.stringify(access.body));
  portalUrl = access.body.url;
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => (host ? host.close(resolve) : resolve(undefined)));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  await stopAllServers();
});
afterEach((t) => reportServerLogsOnFailure(t));

function hostPage(props: Record<string, string>): string {
  return `${hostUrl}/?${new URLSearchParams({ portal: portalUrl, ...props })}`;
}

async function portalFrame(frames: () => Frame[]): Promise<Frame> {
  return eventually(
    async () => frames().find((frame) => frame.url().includes("/portal/")),
    (frame) => frame !== undefined,
    "AppPortal's iframe",
  ) as Promise<Frame>;
}

test("<AppPortal url={portalUrl} /> frames the portal: its endpoints, AppPortal's theme props, no axe violations", async () => {
  const customer = await watchedPage(browser);
  await customer.page.goto(hostPage({ primaryColor: "#aa3300", darkMode: "true" }));
  const iframe = customer.page.locator("iframe");
  // AppPortal's own iframe, as svix-react renders it: clipboard access for the secret's copy button.
  assert.equal(await iframe.getAttribute("allow"), "clipboard-write");
  const src = new URL((await iframe.getAttribute("src")) ?? "");
  assert.equal(
    src.searchParams.get("primaryColor"),
    "#aa3300",
    "AppPortal adds its props to the query string",
  );
  assert.equal(src.hash, new URL(portalUrl).hash, "the token stays in the fragment");

  const portal = customer.page.frameLocator("iframe");
  await portal.getByRole("heading", { name: "Framed Co webhooks" }).waitFor();
  for (const name of ["Orders hook", "Billing hook"]) {
    await portal.getByRole("button", { name, exact: true }).waitFor();
  }
  const frame = await portalFrame(() => customer.page.frames());
  assert.deepEqual(
    await frame.evaluate(() => [
      document.documentElement.dataset.theme,
      getComputedStyle(document.documentElement).getPropertyValue("--primary").trim(),
    ]),
    ["dark", "#aa3300"],
  );
  await assertAccessible(frame, "portal inside svix-react's AppPortal");
  customer.assertClean();
  await customer.context.close();
});

test('<AppPortal fullSize darkMode="auto" /> grows its iframe to the portal\'s height, dark as the visitor prefers', async () => {
  const customer = await watchedPage(browser);
  await customer.page.emulateMedia({ colorScheme: "dark" });
  await customer.page.goto(hostPage({ fullSize: "true", darkMode: "auto" }));
  const portal = customer.page.frameLocator("iframe");
  await portal.getByRole("button", { name: "Orders hook", exact: true }).waitFor();
  const frame = await portalFrame(() => customer.page.frames());
  const content = await frame.evaluate(() =>
    Math.ceil(
      (
        globalThis as unknown as { document: { body: { getBoundingClientRect(): { height: number } } } }
      ).document.body.getBoundingClientRect().height,
    ),
  );
  // An iframe without a height is 150 px tall; AppPortal sets it from the portal's message.
  assert.ok(content > 150, `the portal's content is taller than a bare iframe (${content} px)`);
  await eventually(
    async () => (await customer.page.locator("iframe").boundingBox())?.height ?? 0,
    (height) => Math.abs(height - content) <= 1,
    `the iframe's height to follow the portal's ${content} px`,
  );
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), "dark");
  customer.assertClean();
  await customer.context.close();
});
