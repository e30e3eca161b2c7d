import type { FastifyInstance } from "fastify";
import { documentedQuery } from "./openapi.ts";
import { parseInput } from "./validation.ts";

/**
 * Query parameters are never ignored: on every documented operation the query is checked against the operation's
 * schema (strict), so a parameter a route does not take answers 422 naming it, even on routes whose handler reads
 * no query at all. Handlers still parse the queries they use, for their typed values.
 */
export function registerQueryGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const schema = documentedQuery(request.method, route);
    if (schema) parseInput(schema, request.query, "query");
  });
}
