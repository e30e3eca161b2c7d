import type { Attempt } from "../api/types.ts";
import { StatusBadge, TextBlock } from "../ui/forms.tsx";

/** `name: value` lines as received; null means no HTTP response came, or the attempt predates Outbound keeping them. */
function responseHeadersText(attempt: Attempt): string {
  if (attempt.responseHeaders === null)
    return attempt.responseStatusCode === 0 ? "(no response)" : "(not recorded)";
  return attempt.responseHeaders.map(([name, value]) => `${name}: ${value}`).join("\n") || "(none)";
}

/** One attempt: the request as sent (credentials masked) and the response as received, all shown as plain text. */
export function AttemptView({ attempt, payload }: { attempt: Attempt; payload?: unknown }) {
  const request = attempt.request;
  const body = request?.body ?? (payload === undefined ? null : JSON.stringify(payload, null, 2));
  return (
    <section className="panel" aria-label={`Attempt ${attempt.id}`}>
      <p>
        <StatusBadge status={attempt.status} /> HTTP{" "}
        <strong data-testid="response-status">{attempt.responseStatusCode}</strong> in{" "}
        {attempt.responseDurationMs} ms · {new Date(attempt.timestamp).toLocaleString()}
      </p>
      {request && (
        <>
          <TextBlock label="Request" text={`${request.method} ${request.url}`} />
          <TextBlock
            label="Request headers"
            text={Object.entries(request.headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join("\n")}
          />
        </>
      )}
      {body !== null && <TextBlock label="Request body" text={body} />}
      <TextBlock label="Response headers" text={responseHeadersText(attempt)} />
      <TextBlock label="Response body" text={attempt.response || "(empty)"} />
    </section>
  );
}
