import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import { createEndpoint, deleteEndpoint, endpointSecret } from "../../domain/endpoints.ts";
import { authorizedApp } from "../access.ts";
import { relayAnswerIn, relayQuery } from "../relay-schemas.ts";
import { parseInput } from "../validation.ts";

const KEEP_ALIVE_MS = 15_000;

function sse(raw: ServerResponse, event: string, data: unknown): void {
  raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * `outbound listen`: `GET …/relay` (operator token) opens a Server-Sent Events stream and a temporary relay endpoint
 * whose deliveries are pushed down it; the CLI answers each with `POST …/relay/answer/{id}`. The endpoint is deleted
 * when the stream ends (Ctrl-C, crash, lost connection), and streams end when the server stops. Should the server
 * itself die, the session stops being renewed and housekeeping removes the endpoint (removeAbandonedRelayEndpoints).
 */
export function registerRelayRoutes(app: FastifyInstance, ctx: Context): void {
  const streams = new Set<ServerResponse>();
  app.addHook("preClose", async () => {
    for (const raw of streams) raw.end();
  });

  app.get<{ Params: { app_id: string } }>("/api/v1/app/:app_id/relay", async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(relayQuery, request.query, "query");
    const relay = ctx.relays.create();
    // The session exists before its endpoint: another process's sweep never sees the new endpoint without one.
    await ctx.store.touchRelaySession(relay.url, ctx.now());
    const endpoint = await createEndpoint(ctx, application, {
      url: relay.url,
      description: "outbound listen (temporary relay)",
      ...(query.event_types ? { eventTypes: query.event_types } : {}),
    });
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    streams.add(raw);
    sse(raw, "ready", { endpointId: endpoint.id, secret: endpointSecret(ctx, endpoint) });
    const stop = ctx.relays.open(relay.token, (delivery) => sse(raw, "delivery", delivery));
    // The session is renewed every third of a lease: a stream whose process died goes stale within a lease, and
    // housekeeping (of any process) then removes its endpoint.
    const keepAlive = setInterval(() => raw.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    const heartbeat = setInterval(
      () =>
        void ctx.store
          .touchRelaySession(relay.url, ctx.now())
          .catch((error: unknown) => ctx.logger.warn({ err: error }, "renewing a relay session failed")),
      Math.max(1, Math.floor(ctx.config.leaseMs / 3)),
    );
    raw.once("close", () => {
      streams.delete(raw);
      clearInterval(keepAlive);
      clearInterval(heartbeat);
      stop();
      deleteEndpoint(ctx, application, endpoint)
        .then(() => ctx.store.deleteRelaySession(relay.url))
        .catch((error: unknown) =>
          ctx.logger.error({ err: error, endpointId: endpoint.id }, "removing a relay endpoint failed"),
        );
    });
  });

  app.post<{ Params: { app_id: string; id: string } }>(
    "/api/v1/app/:app_id/relay/answer/:id",
    async (request, reply) => {
      await authorizedApp(ctx, request, request.params.app_id);
      const answer = parseInput(relayAnswerIn, request.body, "body");
      if (!ctx.relays.answer(request.params.id, answer)) {
        return reply
          .code(404)
          .send({ code: "not_found", detail: "No delivery waits for this answer (timed out?)" });
      }
      return reply.code(204).send();
    },
  );
}
