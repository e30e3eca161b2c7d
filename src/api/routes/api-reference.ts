import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered after the API reference (method and pattern), so a test can hold the document to it. */
    routeCatalog: ReadonlyArray<{ method: string; url: string }>;
  }
}

/**
 * `GET /docs`: the API reference, rendered in the browser by Swagger UI from `/api/v1/openapi.json`. Every file is
 * served from the installed `swagger-ui-dist` package (no CDN at run time), under a CSP that allows scripts and
 * styles from this origin only: the page has no inline script, its start-up code is its own file.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outbound API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/docs/assets/reference.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/reference.js"></script>
</body>
</html>
`;

const START = `"use strict";
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  persistAuthorization: false,
  validatorUrl: null
});
`;

const STYLE = `body { margin: 0; }
.swagger-ui .topbar { display: none; }
`;

type Asset = { type: string; body: () => Buffer };

function packageFile(file: string): () => Buffer {
  let cached: Buffer | undefined;
  return () => {
    if (!cached) {
      const dir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
      cached = readFileSync(path.join(dir, file));
    }
    return cached;
  };
}

const ASSETS: Record<string, Asset> = {
  "swagger-ui-bundle.js": {
    type: "text/javascript; charset=utf-8",
    body: packageFile("swagger-ui-bundle.js"),
  },
  "swagger-ui.css": { type: "text/css; charset=utf-8", body: packageFile("swagger-ui.css") },
  "reference.js": { type: "text/javascript; charset=utf-8", body: () => Buffer.from(START) },
  "reference.css": { type: "text/css; charset=utf-8", body: () => Buffer.from(STYLE) },
};

export function registerApiReferenceRoutes(app: FastifyInstance): void {
  const catalog: Array<{ method: string; url: string }> = [];
  app.decorate("routeCatalog", catalog);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) catalog.push({ method, url: route.url });
  });
  app.get("/docs", async (_request, reply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .send(PAGE),
  );
  app.get<{ Params: { file: string } }>("/docs/assets/:file", async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (!asset) {
      return reply.code(404).send({ code: "not_found", detail: `No file ${request.params.file}` });
    }
    return reply
      .header("content-type", asset.type)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "public, max-age=3600")
      .send(asset.body());
  });
}
