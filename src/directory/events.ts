import type { Context } from "../domain/context.ts";
import { createEventType } from "../domain/event-types.ts";
import { prepareMessage } from "../domain/messages.ts";
import type { NewMessage } from "../store/directory-store.ts";
import type { ApplicationRow, EndpointRow } from "../store/types.ts";

/** Directory lifecycle events (seed 002's names) plus the external distribution event (seed 000). */
export const DIRECTORY_EVENT_TYPES: Record<string, { description: string; schema: Record<string, unknown> }> =
  {
    "participant.created": {
      description: "A participant was added to the directory (API or CSV import).",
      schema: objectSchema({ participant: { type: "object" } }, ["participant"]),
    },
    "participant.profile_updated": {
      description: "A participant's attributes, identifiers or consent changed; `changed` lists the fields.",
      schema: objectSchema(
        { participant: { type: "object" }, changed: { type: "array", items: { type: "string" } } },
        ["participant", "changed"],
      ),
    },
    "participant.tags_added": {
      description: "Tags were added to a participant; `tags` lists the new ones.",
      schema: objectSchema(
        { participant: { type: "object" }, tags: { type: "array", items: { type: "string" } } },
        ["participant", "tags"],
      ),
    },
    "participant.unsubscribed": {
      description: "A participant opted out through an unsubscribe link or the API.",
      schema: objectSchema({ participant: { type: "object" }, unsubscribedAt: { type: "string" } }, [
        "participant",
        "unsubscribedAt",
      ]),
    },
    "message.sent": {
      description: "A distribution message was handed to the participant's external channel.",
      schema: objectSchema({ messageId: { type: "string" }, participantId: { type: "string" } }, [
        "messageId",
      ]),
    },
    "distribution.external": {
      description: "Push this message to the participant's external channel (WhatsApp, app, …).",
      schema: objectSchema(
        {
          messageId: { type: "string" },
          chatId: { type: "string" },
          chatUrl: { type: "string" },
          unsubscribeUrl: { type: "string" },
          distributionType: { enum: ["Invitation", "Reminder"] },
          message: { type: "string" },
          domainBrandName: { type: "string" },
          distributionId: { type: "string" },
          participant: { type: "object" },
        },
        ["messageId", "chatId", "chatUrl", "unsubscribeUrl", "distributionType", "message", "participant"],
      ),
    },
  };

function objectSchema(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { "1": { type: "object", properties, required } };
}

/** Creates the directory's event types (with schemas) when they are missing; run at start-up. */
export async function ensureDirectoryEventTypes(ctx: Context): Promise<void> {
  for (const [name, { description, schema }] of Object.entries(DIRECTORY_EVENT_TYPES)) {
    if (!(await ctx.store.getEventType(name)))
      await createEventType(ctx, name, { description, schemas: schema }, true);
  }
}

/** Prepares event messages for a batch, routing each against the application's endpoints (read once). */
export async function eventBatch(
  ctx: Context,
  app: ApplicationRow,
): Promise<{ add(eventType: string, payload: Record<string, unknown>): void; messages: NewMessage[] }> {
  const endpoints: EndpointRow[] = await ctx.store.listEnabledEndpoints(app.id);
  const messages: NewMessage[] = [];
  return {
    messages,
    add(eventType, payload) {
      // Like Svix-style events, the payload names its type so one receiver can tell events apart.
      messages.push(
        prepareMessage(ctx, app, { eventType, payload: { type: eventType, ...payload } }, endpoints),
      );
    },
  };
}
