import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Application, ListResponse } from "../api/types.ts";
import {
  Checkbox,
  CopyButton,
  ErrorText,
  errorText,
  SearchField,
  SelectField,
  TextField,
} from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { TableHead } from "../ui/table.tsx";

export function Applications({ api, onOpen }: { api: Api; onOpen: (app: Application) => void }) {
  const [search, setSearch] = useState("");
  const [name, setName] = useState("");
  const [uid, setUid] = useState("");
  const [requireHttps, setRequireHttps] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const apps = useLoad(
    () => call<ListResponse<Application>>(api.GET("/api/v1/app", { params: { query: { limit: 250 } } })),
    [],
  );
  const rows = (apps.data?.data ?? []).filter((app) =>
    `${app.name} ${app.uid ?? ""} ${app.id}`.toLowerCase().includes(search.toLowerCase()),
  );
  return (
    <>
      <section className="panel" aria-labelledby="apps-title">
        <div className="row">
          <h2 id="apps-title" className="grow">
            Applications
          </h2>
          <SearchField id="app-search" label="Search applications" value={search} onChange={setSearch} />
        </div>
        <ErrorText error={apps.error} />
        <table>
          <TableHead columns={["Name", "UID", "Id"]} actions />
          <tbody>
            {rows.map((app) => (
              <tr key={app.id}>
                <td>{app.name}</td>
                <td>{app.uid ?? "—"}</td>
                <td>
                  <code>{app.id}</code>
                </td>
                <td className="actions">
                  <button type="button" aria-label={`Open ${app.name}`} onClick={() => onOpen(app)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form
        className="panel"
        aria-labelledby="new-app-title"
        onSubmit={(event) => {
          event.preventDefault();
          setError(null);
          call<Application>(api.POST("/api/v1/app", { body: { name, uid: uid || null, requireHttps } }))
            .then((app) => {
              setName("");
              setUid("");
              apps.reload();
              onOpen(app);
            })
            .catch((reason: unknown) => setError(errorText(reason)));
        }}
      >
        <h2 id="new-app-title">New application</h2>
        <div className="row">
          <div className="grow">
            <TextField label="Application name" value={name} required onChange={setName} />
          </div>
          <div className="grow">
            <TextField label="Application UID (optional)" value={uid} onChange={setUid} />
          </div>
        </div>
        <Checkbox label="Require https:// endpoints" checked={requireHttps} onChange={setRequireHttps} />
        <ErrorText error={error} />
        <button type="submit" className="primary">
          Create application
        </button>
      </form>
    </>
  );
}

export function ApplicationSettings({
  api,
  app,
  onSaved,
}: {
  api: Api;
  app: Application;
  onSaved: (app: Application) => void;
}) {
  const [name, setName] = useState(app.name);
  const [uid, setUid] = useState(app.uid ?? "");
  const [requireHttps, setRequireHttps] = useState(app.requireHttps);
  const [metadata, setMetadata] = useState(JSON.stringify(app.metadata, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  return (
    <form
      className="panel"
      aria-label="Application settings"
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        setSaved(false);
        let parsed: Record<string, string>;
        try {
          parsed = JSON.parse(metadata || "{}") as Record<string, string>;
        } catch {
          setError("Metadata must be a JSON object of strings.");
          return;
        }
        call<Application>(
          api.PATCH("/api/v1/app/{app_id}", {
            params: { path: { app_id: app.id } },
            body: { name, uid: uid || null, requireHttps, metadata: parsed },
          }),
        )
          .then((next) => {
            setSaved(true);
            onSaved(next);
          })
          .catch((reason: unknown) => setError(errorText(reason)));
      }}
    >
      <h2>Settings</h2>
      <TextField label="Application name" value={name} onChange={setName} />
      <TextField label="Application UID" value={uid} onChange={setUid} />
      <Checkbox label="Require https:// endpoints" checked={requireHttps} onChange={setRequireHttps} />
      <div className="field">
        <label htmlFor="app-metadata">Metadata (JSON)</label>
        <textarea id="app-metadata" value={metadata} onChange={(event) => setMetadata(event.target.value)} />
      </div>
      <ErrorText error={error} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" className="primary">
        Save application
      </button>
    </form>
  );
}

/** Makes a portal link to hand to the application's customer, with the theme carried in the link itself. */
export function PortalLink({ api, appId }: { api: Api; appId: string }) {
  const [color, setColor] = useState("");
  const [logo, setLogo] = useState("");
  const [theme, setTheme] = useState<"" | "light" | "dark">("");
  const [readOnly, setReadOnly] = useState(false);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const themed = (base: string) => {
    // Only what is set goes in the link; the rest comes from the application's `portal.*` metadata.
    const extra = new URLSearchParams({
      ...(color ? { primaryColor: color } : {}),
      ...(logo ? { logo } : {}),
      ...(theme ? { theme } : {}),
    }).toString();
    return extra ? `${base}&${extra}` : base;
  };
  return (
    <section className="panel" aria-labelledby="portal-link-title">
      <h2 id="portal-link-title">Portal link</h2>
      <p className="hint">
        The customer opens this link (or embeds it in an iframe) to manage their own endpoints. It expires
        after 7 days.
      </p>
      <div className="row">
        <div className="grow">
          <TextField label="Primary colour" value={color} placeholder="#3b5bdb" onChange={setColor} />
        </div>
        <div className="grow">
          <TextField label="Logo URL (https)" value={logo} onChange={setLogo} />
        </div>
        <div className="grow">
          <SelectField
            label="Theme"
            value={theme}
            options={[
              ["", "Application default"],
              ["light", "Light"],
              ["dark", "Dark"],
            ]}
            onChange={setTheme}
          />
        </div>
      </div>
      <Checkbox
        label="Read-only (the customer can look but not change anything)"
        checked={readOnly}
        onChange={setReadOnly}
      />
      <button
        type="button"
        className="primary"
        onClick={() =>
          call<{ url: string }>(
            api.POST("/api/v1/auth/app-portal-access/{app_id}", {
              params: { path: { app_id: appId } },
              body: { readOnly },
            }),
          )
            .then((result) => setUrl(themed(result.url)))
            .catch((reason: unknown) => setError(errorText(reason)))
        }
      >
        Create portal link
      </button>
      <ErrorText error={error} />
      {url && (
        <div className="row">
          <pre className="grow" data-testid="portal-url">
            {url}
          </pre>
          <CopyButton text={url} label="Copy link" />
          <a href={url} target="_blank" rel="noreferrer">
            Open portal
          </a>
        </div>
      )}
    </section>
  );
}
