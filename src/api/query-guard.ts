import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { documentedQuery } from "./openapi.ts";
import { hasNoKeys, parseInput } from "./validation.ts";

/**
 * Query parameters are never ignored: on every documented operation the query is checked against the operation's
 * schema (strict), so a parameter a route does not take answers 422 naming it, even on routes whose handler reads
 * no query at all. Handlers still parse the queries they use, for their typed values.
 */
export function registerQueryGuard(app: FastifyInstance): void {
  // Per route, worked out on its first request rather than on every one (a regex replace, then a zod parse of the
  // usual empty query, had been 2 % of ingest CPU): the schema, and whether it takes an empty query.
  const guards = new Map<string, { schema: z.ZodType; acceptsEmpty: boolean } | null>();
  app.addHook("preValidation", (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined) return done();
    const key = `${request.method} ${route}`;
    let guard = guards.get(key);
    if (guard === undefined) {
      const schema = documentedQuery(request.method, route);
      guard = schema ? { schema, acceptsEmpty: schema.safeParse({}).success } : null;
      guards.set(key, guard);
    }
    if (guard && !(guard.acceptsEmpty && hasNoKeys(request.query))) {
      try {
        parseInput(guard.schema, request.query, "query");
      } catch (error) {
        return done(error as Error);
      }
    }
    done();
  });
}
