import { useMemo, useState } from "react";
import { type Api, ApiError, call } from "../api/client.ts";
import type { Endpoint, EventType, RequestPreview } from "../api/types.ts";
import { ErrorText, Field, TextField } from "../ui/forms.tsx";
import { useDebounced } from "../ui/hooks.ts";
import { type Draft, endpointBody, headersOf, headersPatch, payloadPaths } from "./builder-state.ts";
import { DeliveryFields } from "./DeliveryFields.tsx";
import { FilterRows } from "./FilterRows.tsx";
import { HeadersTable } from "./HeadersTable.tsx";
import { PayloadFields } from "./PayloadFields.tsx";

const STEPS = ["Destination", "Events", "Payload", "Delivery", "Headers"] as const;
type Step = (typeof STEPS)[number];

interface Props {
  api: Api;
  appId: string;
  catalog: EventType[];
  initial: Draft;
  /** Set when editing a saved endpoint, with the headers it has now. */
  saved?: { endpoint: Endpoint; headers: Record<string, string> };
  onSaved: (endpoint: Endpoint, created: boolean) => void;
  onCancel: () => void;
}

export function exampleOf(type: EventType | undefined): Record<string, unknown> | undefined {
  for (const schema of Object.values(type?.schemas ?? {})) {
    const example = schema?.examples?.[0];
    if (example && typeof example === "object" && !Array.isArray(example))
      return example as Record<string, unknown>;
  }
  return undefined;
}

/** Create and edit are the same screens, step by step, with the exact request previewed by the server as you type. */
export function EndpointBuilder({ api, appId, catalog, initial, saved, onSaved, onCancel }: Props) {
  const [draft, setDraft] = useState<Draft>(initial);
  const [step, setStep] = useState<Step>("Destination");
  const [previewType, setPreviewType] = useState(initial.eventTypes[0] ?? catalog[0]?.name ?? "");
  const [preview, setPreview] = useState<RequestPreview | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [search, setSearch] = useState("");
  const change = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));

  const eventForPreview = draft.eventTypes.includes(previewType)
    ? previewType
    : (draft.eventTypes[0] ?? previewType);
  const paths = useMemo(
    () => payloadPaths(exampleOf(catalog.find((type) => type.name === eventForPreview)) ?? {}),
    [catalog, eventForPreview],
  );

  useDebounced(
    () => {
      if (!draft.url.trim() || !eventForPreview) {
        setPreview(null);
        return;
      }
      const body = endpointBody(draft);
      const request = saved
        ? api.POST("/api/v1/app/{app_id}/endpoint/{endpoint_id}/preview-request", {
            params: { path: { app_id: appId, endpoint_id: saved.endpoint.id } },
            body: { eventType: eventForPreview, endpoint: { ...body, headers: headersOf(draft) } },
          })
        : api.POST("/api/v1/app/{app_id}/endpoint/preview-request", {
            params: { path: { app_id: appId } },
            body: { eventType: eventForPreview, endpoint: { ...body, headers: headersOf(draft) } },
          });
      call<RequestPreview>(request)
        .then((result) => {
          setPreview(result);
          setProblem(null);
        })
        .catch((error: unknown) => {
          setPreview(null);
          setProblem(error instanceof ApiError ? error : new ApiError(0, { detail: String(error) }));
        });
    },
    JSON.stringify([draft, eventForPreview]),
    250,
  );

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      const body = endpointBody(draft);
      if (saved) {
        const params = { path: { app_id: appId, endpoint_id: saved.endpoint.id } };
        const endpoint = await call<Endpoint>(
          api.PATCH("/api/v1/app/{app_id}/endpoint/{endpoint_id}", { params, body }),
        );
        const patch = headersPatch(saved.headers, headersOf(draft));
        if (Object.keys(patch).length > 0) {
          await call(
            api.PATCH("/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", {
              params,
              body: { headers: patch },
            }),
          );
        }
        onSaved(endpoint, false);
      } else {
        const endpoint = await call<Endpoint>(
          api.POST("/api/v1/app/{app_id}/endpoint", {
            params: { path: { app_id: appId } },
            body: { ...body, headers: headersOf(draft) },
          }),
        );
        onSaved(endpoint, true);
      }
    } catch (error) {
      setSaveError(error instanceof Error ? error.message : String(error));
      if (error instanceof ApiError) setProblem(error);
    } finally {
      setSaving(false);
    }
  }

  const issue = (...path: string[]) => problem?.issueFor("endpoint", ...path) ?? problem?.issueFor(...path);
  const types = catalog.filter(
    (type) =>
      !type.archived && `${type.name} ${type.description}`.toLowerCase().includes(search.toLowerCase()),
  );
  const stepIndex = STEPS.indexOf(step);

  return (
    <div className="split">
      <form
        className="panel"
        aria-label={saved ? "Edit endpoint" : "New endpoint"}
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <h2>{saved ? `Edit ${saved.endpoint.description || saved.endpoint.url}` : "New endpoint"}</h2>
        <nav aria-label="Builder steps">
          <ol className="steps">
            {STEPS.map((name, index) => (
              <li key={name}>
                <button
                  type="button"
                  aria-current={name === step ? "step" : undefined}
                  onClick={() => setStep(name)}
                >
                  {index + 1}. {name}
                </button>
              </li>
            ))}
          </ol>
        </nav>

        {step === "Destination" && (
          <>
            <TextField
              label="Endpoint URL"
              value={draft.url}
              type="url"
              placeholder="https://example.com/webhooks"
              hint="Where the requests go. Checked as you type."
              error={draft.url ? issue("url") : undefined}
              onChange={(url) => change({ url })}
            />
            <TextField
              label="Name"
              value={draft.description}
              onChange={(description) => change({ description })}
            />
          </>
        )}

        {step === "Events" && (
          <>
            <TextField label="Search event types" value={search} onChange={setSearch} type="search" />
            <fieldset className="field">
              <legend>Event types (none selected: all events)</legend>
              <div className="checklist">
                {types.map((type) => (
                  <label key={type.name}>
                    <input
                      type="checkbox"
                      checked={draft.eventTypes.includes(type.name)}
                      onChange={(event) =>
                        change({
                          eventTypes: event.target.checked
                            ? [...draft.eventTypes, type.name]
                            : draft.eventTypes.filter((name) => name !== type.name),
                        })
                      }
                    />
                    <span>
                      {type.name}
                      <small>{type.description}</small>
                    </span>
                  </label>
                ))}
                {types.length === 0 && <p className="hint">No event type matches.</p>}
              </div>
            </fieldset>
            {draft.eventTypes.map((name) => {
              const schemas = catalog.find((type) => type.name === name)?.schemas;
              return schemas && Object.keys(schemas).length > 0 ? (
                <details key={name} className="field">
                  <summary>Schema of {name}</summary>
                  <pre>{JSON.stringify(schemas, null, 2)}</pre>
                </details>
              ) : null;
            })}
            <TextField
              label="Channels"
              hint="Comma-separated; empty means every channel."
              value={draft.channels}
              error={issue("channels")}
              onChange={(channels) => change({ channels })}
            />
            <FilterRows rows={draft.filter} paths={paths} onChange={(filter) => change({ filter })} />
            <ErrorText error={issue("delivery", "filter")} />
          </>
        )}

        {step === "Payload" && (
          <>
            <PayloadFields
              rows={draft.mapping}
              includeAll={draft.includeAll}
              paths={paths}
              onChange={(mapping, includeAll) => change({ mapping, includeAll })}
            />
            <ErrorText error={issue("delivery", "mapping")} />
          </>
        )}

        {step === "Delivery" && <DeliveryFields draft={draft} change={change} issue={issue} />}

        {step === "Headers" && (
          <>
            <HeadersTable rows={draft.headers} onChange={(headers) => change({ headers })} />
            <ErrorText error={issue("headers")} />
          </>
        )}

        <div className="row" style={{ marginTop: "1rem" }}>
          <button
            type="button"
            disabled={stepIndex === 0}
            onClick={() => setStep(STEPS[stepIndex - 1] ?? step)}
          >
            Back
          </button>
          <button
            type="button"
            disabled={stepIndex === STEPS.length - 1}
            onClick={() => setStep(STEPS[stepIndex + 1] ?? step)}
          >
            Next
          </button>
          <span className="grow" />
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving}>
            {saved ? "Save changes" : "Create endpoint"}
          </button>
        </div>
        <ErrorText error={saveError} />
      </form>

      <aside className="panel" aria-labelledby="preview-title">
        <h2 id="preview-title">Request preview</h2>
        <Field label="Preview with event type">
          {(id) => (
            <select id={id} value={eventForPreview} onChange={(event) => setPreviewType(event.target.value)}>
              {catalog.map((type) => (
                <option key={type.name} value={type.name}>
                  {type.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        {!preview && <p className="hint">{problem ? problem.message : "Enter a URL to see the request."}</p>}
        {preview && (
          <div aria-live="polite" data-testid="request-preview">
            {!preview.wouldDeliver && (
              <p className="warning">
                This example event would not be sent to this endpoint (filter or event types).
              </p>
            )}
            <pre data-testid="preview-request-line">{`${preview.method} ${preview.url}`}</pre>
            <pre data-testid="preview-headers">
              {Object.entries(preview.headers)
                .map(([name, value]) => `${name}: ${value}`)
                .join("\n")}
            </pre>
            {preview.body !== null && <pre data-testid="preview-body">{preview.body}</pre>}
            <p className="hint">The id, timestamp and signature differ on each delivery.</p>
          </div>
        )}
      </aside>
    </div>
  );
}
