import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Attempt, Endpoint, EventType, ListResponse, Message } from "../api/types.ts";
import { ErrorText, Field, StatusBadge, TextBlock } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { AttemptView } from "./AttemptView.tsx";

type Status = "" | "0" | "1" | "2" | "3";

/**
 * The application's messages, newest first, filtered by event type and time; with an endpoint chosen, that
 * endpoint's messages with their delivery status (and a status filter). A message opens its attempts.
 */
export function MessageLog({ api, appId, catalog }: { api: Api; appId: string; catalog: EventType[] }) {
  const [eventType, setEventType] = useState("");
  const [after, setAfter] = useState("");
  const [endpointId, setEndpointId] = useState("");
  const [status, setStatus] = useState<Status>("");
  const [open, setOpen] = useState<Message | null>(null);
  const endpoints = useLoad(
    () =>
      call<ListResponse<Endpoint>>(
        api.GET("/api/v1/app/{app_id}/endpoint", {
          params: { path: { app_id: appId }, query: { limit: 250 } },
        }),
      ),
    [appId],
  );
  const messages = useLoad(() => {
    const query = {
      limit: 50,
      ...(eventType ? { event_types: eventType } : {}),
      ...(after ? { after: new Date(after).toISOString() } : {}),
    };
    if (!endpointId) {
      return call<ListResponse<Message>>(
        api.GET("/api/v1/app/{app_id}/msg", { params: { path: { app_id: appId }, query } }),
      );
    }
    return call<ListResponse<Message>>(
      api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg", {
        params: {
          path: { app_id: appId, endpoint_id: endpointId },
          query: { ...query, ...(status ? { status } : {}) },
        },
      }),
    );
  }, [appId, eventType, after, endpointId, status]);
  const attempts = useLoad(
    async () =>
      open
        ? call<ListResponse<Attempt>>(
            api.GET("/api/v1/app/{app_id}/attempt/msg/{msg_id}", {
              params: { path: { app_id: appId, msg_id: open.id } },
            }),
          )
        : null,
    [open?.id],
  );
  return (
    <section className="panel" aria-labelledby="log-title">
      <h2 id="log-title">Messages</h2>
      <div className="row">
        <div className="grow">
          <Field label="Endpoint">
            {(id) => (
              <select id={id} value={endpointId} onChange={(event) => setEndpointId(event.target.value)}>
                <option value="">All endpoints</option>
                {(endpoints.data?.data ?? []).map((endpoint) => (
                  <option key={endpoint.id} value={endpoint.id}>
                    {endpoint.description || endpoint.url}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {endpointId && (
          <div className="grow">
            <Field label="Delivery status">
              {(id) => (
                <select id={id} value={status} onChange={(event) => setStatus(event.target.value as Status)}>
                  <option value="">Any status</option>
                  <option value="0">Succeeded</option>
                  <option value="2">Failed</option>
                  <option value="1">Pending</option>
                  <option value="3">Sending</option>
                </select>
              )}
            </Field>
          </div>
        )}
        <div className="grow">
          <Field label="Event type">
            {(id) => (
              <select id={id} value={eventType} onChange={(event) => setEventType(event.target.value)}>
                <option value="">All event types</option>
                {catalog.map((type) => (
                  <option key={type.name} value={type.name}>
                    {type.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="grow">
          <Field label="Sent after">
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                value={after}
                onChange={(event) => setAfter(event.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="field">
          <button type="button" onClick={messages.reload}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorText error={messages.error ?? attempts.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event type</th>
            <th scope="col">Message id</th>
            {endpointId && <th scope="col">Status</th>}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(messages.data?.data ?? []).map((message) => (
            <tr key={message.id}>
              <td>{new Date(message.timestamp).toLocaleString()}</td>
              <td>{message.eventType}</td>
              <td>
                <code>{message.id}</code>
              </td>
              {endpointId && (
                <td>{message.status !== undefined && <StatusBadge status={message.status} />}</td>
              )}
              <td className="actions">
                <button
                  type="button"
                  aria-expanded={open?.id === message.id}
                  onClick={() => setOpen(open?.id === message.id ? null : message)}
                >
                  {open?.id === message.id ? "Hide" : "View"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <section aria-label={`Message ${open.id}`}>
          <TextBlock label="Payload" text={JSON.stringify(open.payload, null, 2)} />
          {(attempts.data?.data ?? []).map((attempt) => (
            <AttemptView key={attempt.id} attempt={attempt} payload={open.payload} />
          ))}
          {attempts.data?.data.length === 0 && <p className="hint">No attempts yet.</p>}
        </section>
      )}
    </section>
  );
}
