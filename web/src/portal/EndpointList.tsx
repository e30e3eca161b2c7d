import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Endpoint, EndpointStats, ListResponse } from "../api/types.ts";
import { ErrorText, errorText, SearchField } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { TableHead } from "../ui/table.tsx";

interface Row {
  endpoint: Endpoint;
  stats: EndpointStats;
}

const rate = (stats: EndpointStats) => {
  const done = stats.success + stats.fail;
  return done === 0 ? "—" : `${Math.round((100 * stats.success) / done)} %`;
};

export function EndpointList(props: {
  api: Api;
  appId: string;
  readOnly: boolean;
  onOpen: (id: string) => void;
  onEdit: (id: string) => void;
  onNew: () => void;
}) {
  const { api, appId, readOnly } = props;
  const [search, setSearch] = useState("");
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { data, error, reload } = useLoad(async () => {
    const page = await call<ListResponse<Endpoint>>(
      api.GET("/api/v1/app/{app_id}/endpoint", {
        params: { path: { app_id: appId }, query: { limit: 250 } },
      }),
    );
    // Success rate over the last 7 days, as the stats route counts it.
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    return Promise.all(
      page.data.map(async (endpoint): Promise<Row> => {
        const path = { app_id: appId, endpoint_id: endpoint.id };
        const stats = await call<EndpointStats>(
          api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", {
            params: { path, query: { since } },
          }),
        );
        return { endpoint, stats };
      }),
    );
  }, [appId]);

  async function act(run: () => Promise<unknown>) {
    setActionError(null);
    try {
      await run();
      reload();
    } catch (reason) {
      setActionError(errorText(reason));
    }
  }
  const path = (id: string) => ({ path: { app_id: appId, endpoint_id: id } });
  const rows = (data ?? []).filter(({ endpoint }) =>
    `${endpoint.description} ${endpoint.url} ${(endpoint.eventTypes ?? []).join(" ")}`
      .toLowerCase()
      .includes(search.toLowerCase()),
  );

  return (
    <section className="panel" aria-labelledby="endpoints-title">
      <div className="row">
        <h2 id="endpoints-title" className="grow">
          Endpoints
        </h2>
        <SearchField id="endpoint-search" label="Search endpoints" value={search} onChange={setSearch} />
        {!readOnly && (
          <div className="field">
            <button type="button" className="primary" onClick={props.onNew}>
              Add endpoint
            </button>
          </div>
        )}
      </div>
      <ErrorText error={error ?? actionError} />
      <table>
        <TableHead columns={["Name", "URL", "Status", "Event types", "Success (7 days)"]} actions />
        <tbody>
          {rows.map(({ endpoint, stats }) => {
            const name = endpoint.description || endpoint.url;
            return (
              <tr key={endpoint.id}>
                <td>
                  <button type="button" className="icon" onClick={() => props.onOpen(endpoint.id)}>
                    {name}
                  </button>
                </td>
                <td>
                  <code>{endpoint.url}</code>
                </td>
                <td>
                  {endpoint.disabled ? (
                    <span className="badge muted">Disabled</span>
                  ) : (
                    <span className="badge ok">Enabled</span>
                  )}
                </td>
                <td>{endpoint.eventTypes?.join(", ") ?? "All events"}</td>
                <td>{rate(stats)}</td>
                <td className="actions">
                  {!readOnly && (
                    <>
                      <button
                        type="button"
                        aria-label={`Edit ${name}`}
                        onClick={() => props.onEdit(endpoint.id)}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        aria-label={`${endpoint.disabled ? "Enable" : "Disable"} ${name}`}
                        onClick={() =>
                          void act(() =>
                            call(
                              api.PATCH("/api/v1/app/{app_id}/endpoint/{endpoint_id}", {
                                params: path(endpoint.id),
                                body: { disabled: !endpoint.disabled },
                              }),
                            ),
                          )
                        }
                      >
                        {endpoint.disabled ? "Enable" : "Disable"}
                      </button>
                      {confirming === endpoint.id ? (
                        <button
                          type="button"
                          className="danger"
                          onClick={() =>
                            void act(() =>
                              call(
                                api.DELETE("/api/v1/app/{app_id}/endpoint/{endpoint_id}", {
                                  params: path(endpoint.id),
                                }),
                              ),
                            )
                          }
                        >
                          Confirm delete
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${name}`}
                          onClick={() => setConfirming(endpoint.id)}
                        >
                          Delete
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
          {data && rows.length === 0 && (
            <tr>
              <td colSpan={6} className="hint">
                {search ? "No endpoint matches." : "No endpoints yet."}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
