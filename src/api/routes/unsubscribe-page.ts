import type { FastifyInstance, FastifyReply } from "fastify";
import { unsubscribeParticipant } from "../../directory/participants.ts";
import { verifyUnsubscribeToken } from "../../directory/unsubscribe-token.ts";
import type { Context } from "../../domain/context.ts";
import type { ParticipantRow } from "../../store/directory-types.ts";
import type { ApplicationRow } from "../../store/types.ts";

type TokenParams = { token: string };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("x-robots-tag", "noindex")
    .header("referrer-policy", "no-referrer")
    .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 1.125rem/1.5 system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #1a1a1a; }
  button { font: inherit; padding: 0.6rem 1.2rem; border: 2px solid #1a1a1a; border-radius: 0.4rem; background: #fff; cursor: pointer; }
  button:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`);
}

/**
 * Public unsubscribe links from distribution messages. GET only shows a confirmation form (link scanners prefetch
 * links); POST opts the participant out. Bad or expired tokens get a clear page, never an error dump.
 */
export function registerUnsubscribeRoutes(app: FastifyInstance, ctx: Context): void {
  type Resolved =
    | { error: "invalid" | "expired" }
    | { error: null; application: ApplicationRow; participant: ParticipantRow };
  async function resolve(token: string): Promise<Resolved> {
    const check = verifyUnsubscribeToken(ctx.linkKey, token, ctx.now());
    if (!check.ok) return { error: check.reason };
    const application = await ctx.store.getApplication(check.claims.appId);
    const participant = application
      ? await ctx.store.getParticipant(application.id, check.claims.participantId)
      : null;
    if (!application || !participant) return { error: "invalid" };
    return { error: null, application, participant };
  }

  function invalid(reply: FastifyReply, reason: "invalid" | "expired") {
    return reason === "expired"
      ? page(
          reply,
          410,
          "This link has expired",
          "<p>Unsubscribe links are valid for a year. Reply to the latest message to opt out.</p>",
        )
      : page(
          reply,
          404,
          "This link is not valid",
          "<p>The unsubscribe link is incomplete or was changed. Please use the link exactly as you received it.</p>",
        );
  }

  // Scoped so the form content type is accepted on these pages only.
  app.register(async (scope) => registerPages(scope));
  function registerPages(scope: FastifyInstance): void {
    // The page's own form posts an empty application/x-www-form-urlencoded body; nothing in it is read.
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 4096 },
      (_request, _body, done) => done(null, {}),
    );

    scope.get<{ Params: TokenParams }>("/u/:token", async (request, reply) => {
      const found = await resolve(request.params.token);
      if (found.error !== null) return invalid(reply, found.error);
      if (found.participant.unsubscribedAt !== null) {
        return page(reply, 200, "You are unsubscribed", "<p>You will not receive further messages.</p>");
      }
      return page(
        reply,
        200,
        "Unsubscribe?",
        `<p>Do you want to stop receiving messages from ${escapeHtml(found.application.name)}?</p>
<form method="post"><button type="submit">Yes, unsubscribe me</button></form>`,
      );
    });

    const form = { config: { accepts: ["application/x-www-form-urlencoded", "application/json"] } };
    scope.post<{ Params: TokenParams }>("/u/:token", form, async (request, reply) => {
      const found = await resolve(request.params.token);
      if (found.error !== null) return invalid(reply, found.error);
      await unsubscribeParticipant(ctx, found.application, found.participant);
      return page(reply, 200, "You are unsubscribed", "<p>You will not receive further messages.</p>");
    });
  }
}
