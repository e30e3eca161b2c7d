import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { call, createApi } from "../api/client.ts";
import type { Application } from "../api/types.ts";
import { AppScreens } from "../portal/AppScreens.tsx";
import { ErrorText, errorText, TextField } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import "../styles.css";
import { ApplicationSettings, Applications, PortalLink } from "./Applications.tsx";
import { Directory } from "./Directory.tsx";
import { Distributions } from "./Distributions.tsx";
import { EventTypes } from "./EventTypes.tsx";

// The dashboard never holds the token: the session cookie (HttpOnly) authenticates every call.
const api = createApi(null);

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <main>
      <form
        className="panel"
        aria-labelledby="sign-in-title"
        style={{ maxWidth: "28rem", margin: "4rem auto" }}
        onSubmit={(event) => {
          event.preventDefault();
          call(api.POST("/api/v1/session/sign-in", { body: { token } }))
            .then(onSignedIn)
            .catch((reason: unknown) => setError(errorText(reason)));
        }}
      >
        <h1 id="sign-in-title">Sign in to Outbound</h1>
        <TextField
          label="API token"
          type="password"
          value={token}
          autoComplete="current-password"
          hint="OUTBOUND_API_TOKEN, or the token printed on first start."
          onChange={setToken}
        />
        <ErrorText error={error} />
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}

type Section = { kind: "apps" } | { kind: "event-types" } | { kind: "app"; app: Application };

function Dashboard({ onSignedOut }: { onSignedOut: () => void }) {
  const [section, setSection] = useState<Section>({ kind: "apps" });
  return (
    <>
      <header className="top">
        <h1>Outbound</h1>
        <nav aria-label="Main">
          <button
            type="button"
            aria-current={section.kind !== "event-types" ? "page" : undefined}
            onClick={() => setSection({ kind: "apps" })}
          >
            Applications
          </button>
          <button
            type="button"
            aria-current={section.kind === "event-types" ? "page" : undefined}
            onClick={() => setSection({ kind: "event-types" })}
          >
            Event types
          </button>
          <button
            type="button"
            onClick={() => void call(api.POST("/api/v1/session/sign-out")).finally(onSignedOut)}
          >
            Sign out
          </button>
        </nav>
      </header>
      <main>
        {section.kind === "apps" && (
          <Applications api={api} onOpen={(app) => setSection({ kind: "app", app })} />
        )}
        {section.kind === "event-types" && <EventTypes api={api} />}
        {section.kind === "app" && (
          <>
            <h2>
              <button type="button" className="icon" onClick={() => setSection({ kind: "apps" })}>
                ← Applications
              </button>{" "}
              {section.app.name}
            </h2>
            <AppScreens
              key={section.app.id}
              api={api}
              appId={section.app.id}
              readOnly={false}
              extraTabs={[
                ["Directory", () => <Directory api={api} appId={section.app.id} />],
                ["Distributions", () => <Distributions api={api} appId={section.app.id} />],
                ["Portal link", () => <PortalLink api={api} appId={section.app.id} />],
                [
                  "Settings",
                  () => (
                    <ApplicationSettings
                      api={api}
                      app={section.app}
                      onSaved={(app) => setSection({ kind: "app", app })}
                    />
                  ),
                ],
              ]}
            />
          </>
        )}
      </main>
    </>
  );
}

function Root() {
  const session = useLoad(
    async () => (await call<{ kind: string | null }>(api.GET("/api/v1/session"))).kind === "admin",
    [],
  );
  if (session.error) return <ErrorText error={session.error} />;
  if (session.data === undefined) return <p role="status">Loading…</p>;
  return session.data ? (
    <Dashboard onSignedOut={() => session.setData(false)} />
  ) : (
    <SignIn onSignedIn={() => session.setData(true)} />
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
