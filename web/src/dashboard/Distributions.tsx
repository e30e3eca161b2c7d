import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { ListResponse } from "../api/types.ts";
import { ErrorText, errorText, SelectField, TextField } from "../ui/forms.tsx";
import { useLoad, usePoll } from "../ui/hooks.ts";
import type { Attribute, Issuer, Participant } from "./Directory.tsx";

interface Distribution {
  id: string;
  distributionType: string;
  status: "sending" | "completed";
  counts: { targeted: number; sent: number; delivered: number; failed: number; pending: number };
}

const FIXED = ["chatUrl", "unsubscribeUrl", "domainBrandName", "distributionType", "participant.id"];

/** The same substitution the server does, for the preview only (the server renders what is sent). */
export function renderPreview(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_match, name: string) => values[name] ?? "");
}

export function Distributions({ api, appId }: { api: Api; appId: string }) {
  const path = { app_id: appId };
  const [type, setType] = useState<"Invitation" | "Reminder">("Invitation");
  const [message, setMessage] = useState("Hi {{participant.attributes.FirstName}}, join us: {{chatUrl}}");
  const [chatUrl, setChatUrl] = useState("https://chat.example.com/join");
  const [brand, setBrand] = useState("Example");
  const [tags, setTags] = useState("");
  const [sent, setSent] = useState<Distribution | null>(null);
  const [error, setError] = useState<string | null>(null);
  const attributes = useLoad(
    () => call<ListResponse<Attribute>>(api.GET("/api/v1/app/{app_id}/attribute", { params: { path } })),
    [appId],
  );
  const issuers = useLoad(
    () => call<ListResponse<Issuer>>(api.GET("/api/v1/app/{app_id}/issuer", { params: { path } })),
    [appId],
  );
  const sample = useLoad(
    () =>
      call<ListResponse<Participant>>(
        api.GET("/api/v1/app/{app_id}/participant", { params: { path, query: { limit: 1 } } }),
      ),
    [appId],
  );
  usePoll(
    sent && sent.status !== "completed"
      ? async () => {
          const next = await call<Distribution>(
            api.GET("/api/v1/app/{app_id}/distribution/{id}", {
              params: { path: { app_id: appId, id: sent.id } },
            }),
          );
          setSent(next);
          return next.status === "completed";
        }
      : null,
    400,
  );
  const placeholders = [
    ...FIXED,
    ...(attributes.data?.data ?? []).map((attribute) => `participant.attributes.${attribute.label}`),
    ...(issuers.data?.data ?? []).map((issuer) => `participant.externalIdentifiers.${issuer.id}`),
  ];
  const participant = sample.data?.data[0];
  const values: Record<string, string> = {
    chatUrl,
    domainBrandName: brand,
    distributionType: type,
    unsubscribeUrl: "(personal unsubscribe link)",
    "participant.id": participant?.id ?? "",
    ...Object.fromEntries(
      Object.entries(participant?.attributes ?? {}).map(([label, value]) => [
        `participant.attributes.${label}`,
        String(value ?? ""),
      ]),
    ),
    ...Object.fromEntries(
      (participant?.externalIdentifiers ?? []).map((identifier) => [
        `participant.externalIdentifiers.${identifier.issuer}`,
        identifier.id,
      ]),
    ),
  };
  const tagList = tags
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
  return (
    <div className="split">
      <form
        className="panel"
        aria-labelledby="compose-title"
        onSubmit={(event) => {
          event.preventDefault();
          setError(null);
          call<Distribution>(
            api.POST("/api/v1/app/{app_id}/distribution", {
              params: { path },
              body: {
                distributionType: type,
                message,
                chatUrl,
                domainBrandName: brand,
                ...(tagList.length ? { audience: { tags: tagList } } : {}),
              },
            }),
          )
            .then(setSent)
            .catch((reason: unknown) => setError(errorText(reason)));
        }}
      >
        <h2 id="compose-title">Compose a distribution</h2>
        <SelectField
          label="Kind"
          value={type}
          options={[
            ["Invitation", "Invitation"],
            ["Reminder", "Reminder"],
          ]}
          onChange={setType}
        />
        <div className="field">
          <label htmlFor="distribution-message">Message</label>
          <textarea
            id="distribution-message"
            aria-describedby="placeholder-list"
            value={message}
            onChange={(event) => setMessage(event.target.value)}
          />
          <p className="hint" id="placeholder-list">
            Placeholders: {placeholders.map((name) => `{{${name}}}`).join(" ")}
          </p>
        </div>
        <TextField label="Chat URL" value={chatUrl} onChange={setChatUrl} />
        <TextField label="Brand name" value={brand} onChange={setBrand} />
        <TextField
          label="Audience tags"
          hint="Comma-separated; empty: every subscribed participant."
          value={tags}
          onChange={setTags}
        />
        <ErrorText error={error} />
        <button type="submit" className="primary">
          Send distribution
        </button>
      </form>
      <aside className="panel" aria-labelledby="distribution-preview-title">
        <h2 id="distribution-preview-title">Preview</h2>
        <p className="hint">
          {participant
            ? `For ${participant.externalIdentifiers[0]?.id ?? participant.id}`
            : "No participant yet."}
        </p>
        <pre data-testid="message-preview">{renderPreview(message, values)}</pre>
        {sent && (
          <>
            <h3>Progress</h3>
            <div className="stats" role="status" data-testid="distribution-counts">
              {(["targeted", "sent", "delivered", "failed", "pending"] as const).map((name) => (
                <div key={name}>
                  <strong>{sent.counts[name]}</strong>
                  {name}
                </div>
              ))}
            </div>
            <p>{sent.status === "completed" ? "Completed" : "Sending…"}</p>
          </>
        )}
      </aside>
    </div>
  );
}
