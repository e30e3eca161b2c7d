import type { FastifyInstance, FastifyRequest } from "fastify";
import { createTransformationRunner } from "../../delivery/transformation-thread.ts";
import type { Context } from "../../domain/context.ts";
import { requireEndpoint } from "../../domain/endpoints.ts";
import { ValidationError } from "../../domain/errors.ts";
import { authorizedApp } from "../access.ts";
import { transformationPatchIn, transformationSimulateIn } from "../schemas.ts";
import { parseInput } from "../validation.ts";

type EndpointParams = { app_id: string; endpoint_id: string };

/** Svix's endpoint transformations: store the handler, switch it on or off, and try it without sending. */
export function registerTransformationRoutes(app: FastifyInstance, ctx: Context): void {
  const path = "/api/v1/app/:app_id/endpoint/:endpoint_id/transformation";
  // Simulations run in their own sandbox thread, so user code never runs on the API's event loop.
  const runner = createTransformationRunner();
  app.addHook("onClose", async () => runner.close());

  async function load(request: FastifyRequest<{ Params: EndpointParams }>) {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return requireEndpoint(ctx, application.id, request.params.endpoint_id);
  }

  app.get<{ Params: EndpointParams }>(path, async (request) => {
    const { transformation } = await load(request);
    return {
      code: transformation?.code ?? null,
      enabled: transformation?.enabled ?? false,
      updatedAt: transformation ? new Date(transformation.updatedAt).toISOString() : null,
    };
  });

  app.patch<{ Params: EndpointParams }>(path, async (request, reply) => {
    const endpoint = await load(request);
    const body = parseInput(transformationPatchIn, request.body ?? {}, "body");
    const code = body.code === undefined ? (endpoint.transformation?.code ?? null) : body.code;
    const enabled = body.enabled ?? endpoint.transformation?.enabled ?? false;
    if (enabled && code === null) {
      throw ValidationError.field(["body", "enabled"], "a transformation without code cannot be enabled");
    }
    const now = ctx.now();
    await ctx.store.updateEndpoint({
      ...endpoint,
      transformation: code === null ? null : { code, enabled, updatedAt: now },
      updatedAt: now,
    });
    return reply.code(204).send();
  });

  app.post<{ Params: EndpointParams }>(`${path}/simulate`, async (request) => {
    const endpoint = await load(request);
    const body = parseInput(transformationSimulateIn, request.body, "body");
    const result = await runner.run(body.code, {
      method: endpoint.delivery.method ?? "POST",
      url: endpoint.url,
      eventType: body.eventType,
      payload: body.payload,
      headers: {},
    });
    if (!result.ok) throw ValidationError.field(["body", "code"], result.error);
    const { webhook } = result;
    return {
      method: webhook.method,
      url: webhook.url,
      payload: JSON.stringify(webhook.payload) ?? "null",
      cancel: webhook.cancel,
    };
  });
}
