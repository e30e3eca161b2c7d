import { type ReactNode, useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Endpoint, EventType, ListResponse } from "../api/types.ts";
import { ErrorText } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { draftFromEndpoint, emptyDraft } from "./builder-state.ts";
import { EndpointBuilder } from "./EndpointBuilder.tsx";
import { EndpointDetail } from "./EndpointDetail.tsx";
import { EndpointList } from "./EndpointList.tsx";
import { MessageLog } from "./MessageLog.tsx";

type View =
  | { kind: "list" }
  | { kind: "new" }
  | { kind: "edit"; id: string }
  | { kind: "endpoint"; id: string; justCreated: boolean }
  | { kind: "logs" };

/**
 * The tenant's screens for one application: what /portal shows to a portal token, and what the dashboard shows an
 * operator for any application. `extraTabs` lets the dashboard add its own (directory, distributions, portal link).
 */
export function AppScreens(props: {
  api: Api;
  appId: string;
  readOnly: boolean;
  extraTabs?: Array<[name: string, render: () => ReactNode]>;
}) {
  const { api, appId, readOnly } = props;
  const [view, setView] = useState<View>({ kind: "list" });
  const [tab, setTab] = useState("Endpoints");
  const catalog = useLoad(
    async () =>
      (
        await call<ListResponse<EventType>>(
          api.GET("/api/v1/event-type", { params: { query: { limit: 250, with_content: "true" } } }),
        )
      ).data,
    [],
  );
  const types = catalog.data ?? [];
  const tabs: Array<[string, () => ReactNode]> = [
    ["Endpoints", () => endpointsTab()],
    ["Messages", () => <MessageLog api={api} appId={appId} catalog={types} />],
    ...(props.extraTabs ?? []),
  ];

  function endpointsTab() {
    switch (view.kind) {
      case "list":
        return (
          <EndpointList
            api={api}
            appId={appId}
            readOnly={readOnly}
            onNew={() => setView({ kind: "new" })}
            onEdit={(id) => setView({ kind: "edit", id })}
            onOpen={(id) => setView({ kind: "endpoint", id, justCreated: false })}
          />
        );
      case "new":
        return (
          <EndpointBuilder
            api={api}
            appId={appId}
            catalog={types}
            initial={emptyDraft()}
            onCancel={() => setView({ kind: "list" })}
            onSaved={(endpoint) => setView({ kind: "endpoint", id: endpoint.id, justCreated: true })}
          />
        );
      case "edit":
        return (
          <EditEndpoint
            api={api}
            appId={appId}
            id={view.id}
            catalog={types}
            onDone={(id) => setView(id ? { kind: "endpoint", id, justCreated: false } : { kind: "list" })}
          />
        );
      case "endpoint":
        return (
          <EndpointDetail
            api={api}
            appId={appId}
            endpointId={view.id}
            catalog={types}
            readOnly={readOnly}
            justCreated={view.justCreated}
            onBack={() => setView({ kind: "list" })}
            onEdit={() => setView({ kind: "edit", id: view.id })}
          />
        );
      case "logs":
        return null;
    }
  }

  return (
    <>
      <nav aria-label="Sections" className="row" style={{ marginBottom: "1rem" }}>
        {tabs.map(([name]) => (
          <button
            key={name}
            type="button"
            aria-current={tab === name ? "page" : undefined}
            onClick={() => {
              setTab(name);
              if (name === "Endpoints") setView({ kind: "list" });
            }}
          >
            {name}
          </button>
        ))}
      </nav>
      <ErrorText error={catalog.error} />
      {tabs.find(([name]) => name === tab)?.[1]()}
    </>
  );
}

function EditEndpoint(props: {
  api: Api;
  appId: string;
  id: string;
  catalog: EventType[];
  onDone: (id?: string) => void;
}) {
  const { api, appId, id } = props;
  const loaded = useLoad(async () => {
    const path = { app_id: appId, endpoint_id: id };
    const endpoint = await call<Endpoint>(
      api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}", { params: { path } }),
    );
    const { headers } = await call<{ headers: Record<string, string> }>(
      api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", { params: { path } }),
    );
    return { endpoint, headers };
  }, [id]);
  if (loaded.error) return <ErrorText error={loaded.error} />;
  if (!loaded.data) return <p role="status">Loading…</p>;
  return (
    <EndpointBuilder
      api={api}
      appId={appId}
      catalog={props.catalog}
      initial={draftFromEndpoint(loaded.data.endpoint, loaded.data.headers)}
      saved={loaded.data}
      onCancel={() => props.onDone(id)}
      onSaved={() => props.onDone(id)}
    />
  );
}
