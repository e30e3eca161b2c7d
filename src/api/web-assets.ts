import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Config } from "../config.ts";

/** Where `npm run build:web` (run by `prepare`, so by `npm install`/`npm ci`) writes the dashboard and portal. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

/** Vite names every asset `<name>-<hash>.<ext>` under /assets/: nothing else is served from there. */
const ASSET_NAME = /^[A-Za-z0-9_.-]+\.(js|css|svg|png|woff2|json)$/;

/**
 * A strict policy: only our own scripts and styles, API calls to our own origin. The portal may load a logo from
 * any https URL (theming) and may be framed by the configured ancestors; the dashboard is never framed.
 */
export function contentSecurityPolicy(kind: "dashboard" | "portal", frameAncestors: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${kind === "portal" ? " https:" : ""}`,
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${kind === "portal" ? frameAncestors : "'none'"}`,
  ].join("; ");
}

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outbound</title></head>
<body><main><h1>Outbound is running</h1>
<p>The web dashboard has not been built. Run <code>npm run build:web</code> (or <code>npm install</code>) in the
Outbound directory, then reload this page. The API is available at <code>/api/v1</code>.</p></main></body></html>
`;

function sendPage(reply: FastifyReply, html: string, csp: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-cache")
    .header("content-security-policy", csp)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .send(html);
}

/**
 * Serves the built UI from the API's own port: `/` the operator dashboard, `/portal/` the tenant portal, hashed
 * `/assets/*` cached for a year. `index.html` is read on each request (it is small) so a rebuild shows without a
 * restart, and a missing build answers a page that says how to make it instead of failing.
 */
export function registerWebAssets(app: FastifyInstance, config: Config, webDir = DEFAULT_WEB_DIR): void {
  async function page(reply: FastifyReply, kind: "dashboard" | "portal") {
    const csp = contentSecurityPolicy(kind, config.portalFrameAncestors);
    const file = path.join(webDir, kind === "portal" ? "portal/index.html" : "index.html");
    const html = await readFile(file, "utf8").catch(() => null);
    return html === null ? sendPage(reply, MISSING_BUILD, csp, 503) : sendPage(reply, html, csp);
  }
  app.get("/", (_request, reply) => page(reply, "dashboard"));
  app.get("/portal", (_request, reply) => page(reply, "portal"));
  app.get("/portal/", (_request, reply) => page(reply, "portal"));

  app.get<{ Params: { name: string } }>("/assets/:name", async (request, reply) => {
    const { name } = request.params;
    const body = ASSET_NAME.test(name)
      ? await readFile(path.join(webDir, "assets", name)).catch(() => null)
      : null;
    if (body === null) return reply.code(404).send({ code: "not_found", detail: "No such asset" });
    return reply
      .header("content-type", CONTENT_TYPES[path.extname(name)] ?? "application/octet-stream")
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("x-content-type-options", "nosniff")
      .send(body);
  });
}
