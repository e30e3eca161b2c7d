import type { Context } from "../domain/context.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { prepareMessage } from "../domain/messages.ts";
import { newId } from "../ids.ts";
import type { NewMessage } from "../store/directory-store.ts";
import type {
  AttributeRow,
  DistributionRow,
  ParticipantRow,
  RecipientRow,
} from "../store/directory-types.ts";
import type { ApplicationRow, EndpointRow } from "../store/types.ts";
import { findAttribute, listAttributes } from "./attributes.ts";
import { chatLink, externalParticipant, isEligible, templateValues } from "./distribution-payload.ts";
import { participantOut } from "./participants.ts";
import { renderTemplate, unknownPlaceholders } from "./template.ts";
import { signUnsubscribeToken } from "./unsubscribe-token.ts";

export interface DistributionInput {
  distributionType: "Invitation" | "Reminder";
  message: string;
  chatUrl: string;
  domainBrandName: string;
  audience?: { tags?: string[]; attributes?: Record<string, string> };
  /** For a Reminder: the distribution whose non-responding recipients it targets. */
  reminderOf?: string;
}

const PAGE = 500;
export const UNSUBSCRIBE_LINK_TTL_MS = 365 * 24 * 60 * 60 * 1000;

export async function requireDistribution(ctx: Context, appId: string, id: string): Promise<DistributionRow> {
  const row = await ctx.store.getDistribution(appId, id);
  if (!row) throw new NotFoundError("Distribution");
  return row;
}

async function validate(
  ctx: Context,
  app: ApplicationRow,
  input: DistributionInput,
  definitions: AttributeRow[],
) {
  const issuers = (await ctx.store.listIssuers(app.id)).map((issuer) => issuer.id);
  const unknown = unknownPlaceholders(
    input.message,
    definitions.map((definition) => definition.label),
    issuers,
  );
  if (unknown.length > 0) {
    throw ValidationError.field(
      ["body", "message"],
      `unknown placeholders: ${unknown.map((name) => `{{${name}}}`).join(", ")}`,
    );
  }
  for (const key of Object.keys(input.audience?.attributes ?? {})) {
    if (!findAttribute(definitions, key)) {
      throw ValidationError.field(["body", "audience", "attributes", key], `unknown attribute "${key}"`);
    }
  }
  if (input.distributionType === "Reminder") {
    if (!input.reminderOf)
      throw ValidationError.field(["body", "reminderOf"], "a Reminder names the distribution it follows up");
    if (!(await ctx.store.getDistribution(app.id, input.reminderOf))) {
      throw ValidationError.field(
        ["body", "reminderOf"],
        `no distribution "${input.reminderOf}" in this application`,
      );
    }
  } else if (input.reminderOf) {
    throw ValidationError.field(["body", "reminderOf"], "only a Reminder follows up another distribution");
  }
}

/** Participants an Invitation may reach, page by page. */
async function* invitationTargets(ctx: Context, app: ApplicationRow): AsyncGenerator<ParticipantRow[]> {
  let cursor: string | null = null;
  for (;;) {
    const page = await ctx.store.listParticipants(
      app.id,
      {},
      { limit: PAGE, cursor, direction: "next", order: "asc" },
    );
    if (page.items.length > 0) yield page.items;
    if (page.done) return;
    cursor = page.items.at(-1)?.id ?? null;
  }
}

/** Recipients of the earlier distribution who have not responded. */
async function* reminderTargets(
  ctx: Context,
  app: ApplicationRow,
  earlier: string,
): AsyncGenerator<ParticipantRow[]> {
  let after: string | null = null;
  for (;;) {
    const recipients = await ctx.store.listRecipients(earlier, after, PAGE);
    if (recipients.length === 0) return;
    after = recipients.at(-1)?.participantId ?? null;
    const participants: ParticipantRow[] = [];
    for (const recipient of recipients.filter((r) => r.respondedAt === null)) {
      const participant = await ctx.store.getParticipant(app.id, recipient.participantId);
      if (participant) participants.push(participant);
    }
    yield participants;
  }
}

/**
 * Creates the distribution and, for every eligible participant, one `distribution.external` message (seed 000's
 * payload) plus a `message.sent` event, written in batches. Delivery then proceeds like any other message.
 */
export async function createDistribution(
  ctx: Context,
  app: ApplicationRow,
  input: DistributionInput,
): Promise<DistributionRow> {
  const definitions = await listAttributes(ctx, app.id);
  await validate(ctx, app, input, definitions);
  const now = ctx.now();
  const distribution: DistributionRow = {
    id: newId("dst", now),
    appId: app.id,
    distributionType: input.distributionType,
    message: input.message,
    chatUrl: input.chatUrl,
    domainBrandName: input.domainBrandName,
    audience: input.audience ?? {},
    reminderOf: input.reminderOf ?? null,
    createdAt: now,
  };
  await ctx.store.insertDistribution(distribution);
  const endpoints = await ctx.store.listEnabledEndpoints(app.id);
  const targets =
    distribution.reminderOf === null
      ? invitationTargets(ctx, app)
      : reminderTargets(ctx, app, distribution.reminderOf);
  for await (const page of targets) {
    const eligible = page.filter((participant) =>
      isEligible(participant, distribution.audience, definitions),
    );
    if (eligible.length === 0) continue;
    const recipients: RecipientRow[] = [];
    const messages: NewMessage[] = [];
    for (const participant of eligible) {
      const built = buildRecipientMessage(ctx, app, distribution, participant, definitions, endpoints);
      recipients.push(built.recipient);
      messages.push(built.message, built.sentEvent);
    }
    await ctx.store.addRecipients(recipients, messages);
    ctx.notifyWork();
  }
  return distribution;
}

function buildRecipientMessage(
  ctx: Context,
  app: ApplicationRow,
  distribution: DistributionRow,
  participant: ParticipantRow,
  definitions: AttributeRow[],
  endpoints: EndpointRow[],
) {
  const now = ctx.now();
  const messageId = newId("msg", now);
  const chatId = newId("chat", now);
  const chatUrl = chatLink(distribution.chatUrl, chatId);
  const token = signUnsubscribeToken(ctx.linkKey, {
    appId: app.id,
    participantId: participant.id,
    expiresAt: now + UNSUBSCRIBE_LINK_TTL_MS,
  });
  const unsubscribeUrl = `${ctx.config.publicUrl}/u/${token}`;
  const payload = {
    messageId,
    chatId,
    chatUrl,
    unsubscribeUrl,
    distributionType: distribution.distributionType,
    message: renderTemplate(
      distribution.message,
      templateValues(participant, definitions, { chatUrl, unsubscribeUrl }, distribution),
    ),
    domainBrandName: distribution.domainBrandName,
    distributionId: distribution.id,
    participant: externalParticipant(participant, definitions),
  };
  return {
    recipient: {
      distributionId: distribution.id,
      participantId: participant.id,
      msgId: messageId,
      chatId,
      respondedAt: null,
    },
    message: prepareMessage(
      ctx,
      app,
      { id: messageId, eventType: "distribution.external", payload },
      endpoints,
    ),
    sentEvent: prepareMessage(
      ctx,
      app,
      {
        eventType: "message.sent",
        payload: {
          type: "message.sent",
          messageId,
          distributionId: distribution.id,
          participantId: participant.id,
          participant: participantOut(participant, definitions),
        },
      },
      endpoints,
    ),
  };
}

export async function distributionOut(ctx: Context, row: DistributionRow) {
  const counts = await ctx.store.distributionCounts(row.id);
  return {
    id: row.id,
    distributionType: row.distributionType,
    message: row.message,
    chatUrl: row.chatUrl,
    domainBrandName: row.domainBrandName,
    audience: row.audience,
    reminderOf: row.reminderOf,
    status: counts.pending > 0 ? "sending" : "completed",
    counts: {
      targeted: counts.targeted,
      sent: counts.targeted,
      delivered: counts.delivered,
      failed: counts.failed,
      pending: counts.pending,
    },
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
