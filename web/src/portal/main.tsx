import { StrictMode, useEffect, useMemo } from "react";
import { createRoot } from "react-dom/client";
import { type Api, call, createApi } from "../api/client.ts";
import type { Application } from "../api/types.ts";
import { ErrorText } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import "../styles.css";
import { AppScreens } from "./AppScreens.tsx";
import { applyTheme } from "./apply-theme.ts";
import { readTheme, themeParams } from "./theme.ts";

/**
 * The tenant portal, opened from `/portal/#token=…` (app-portal-access). The token lives in the fragment, which
 * browsers never send to servers or in Referer; it is kept in memory only and sent as a bearer token.
 */
function Portal({ api, linkParams }: { api: Api; linkParams: URLSearchParams }) {
  const app = useLoad(async () => {
    const who = await call<{ kind: string | null; appId?: string; readOnly?: boolean }>(
      api.GET("/api/v1/session"),
    );
    if (who.kind === null)
      throw new Error("This portal link has expired. Ask the service you use for a new one.");
    if (!who.appId) throw new Error("This link is not a portal link for one application.");
    const application = await call<Application>(
      api.GET("/api/v1/app/{app_id}", { params: { path: { app_id: who.appId } } }),
    );
    // A read-only link (AppPortalAccessIn.readOnly) shows no edit actions; the server refuses its writes anyway.
    return { application, readOnly: who.readOnly === true };
  }, []);
  // The link's theme wins; the application's metadata (`portal.primaryColor`, `portal.logo`, `portal.theme`) fills in.
  const metadata = app.data?.application.metadata;
  const theme = useMemo(() => readTheme(themeParams(linkParams, metadata ?? {})), [linkParams, metadata]);
  useEffect(() => applyTheme(theme), [theme]);
  return (
    <>
      <header className="top">
        {theme.logo && <img src={theme.logo} alt="" />}
        <h1>{app.data ? `${app.data.application.name} webhooks` : "Webhooks"}</h1>
      </header>
      <main>
        <ErrorText error={app.error} />
        {app.data && <AppScreens api={api} appId={app.data.application.id} readOnly={app.data.readOnly} />}
      </main>
    </>
  );
}

/**
 * svix-react's `<AppPortal fullSize>` sizes its iframe to the height the framed page posts (Svix's
 * `svix.iframe-resizer-height` message); the height is all it tells, so any framer may have it.
 */
function reportHeightToFramer(): void {
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "svix.iframe-resizer-height", payload: { height } }, "*");
  }).observe(document.body);
}

reportHeightToFramer();
const fragment = new URLSearchParams(window.location.hash.slice(1));
const query = new URLSearchParams(window.location.search);
const linkParams = new URLSearchParams([...query, ...fragment]);
applyTheme(readTheme(linkParams));
const token = fragment.get("token");
const root = createRoot(document.getElementById("root") as HTMLElement);
root.render(
  <StrictMode>
    {token ? (
      <Portal api={createApi(token)} linkParams={linkParams} />
    ) : (
      <main>
        <h1>Webhooks</h1>
        <p role="alert">This page needs a portal link. Ask the service you use for a new one.</p>
      </main>
    )}
  </StrictMode>,
);
