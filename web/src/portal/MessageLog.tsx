import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Attempt, Endpoint, EventType, ListResponse, Message } from "../api/types.ts";
import { ErrorText, SelectField, StatusBadge, TextBlock, TextField } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { Pager, usePagedList } from "../ui/paging.tsx";
import { RefreshButton, type StatusValue, statusOptions, TableHead } from "../ui/table.tsx";
import { AttemptView } from "./AttemptView.tsx";

/**
 * The application's messages, newest first and paged (Next goes to older ones), filtered by event type and time; with an endpoint chosen, that
 * endpoint's messages with their delivery status (and a status filter). A message opens its attempts.
 */
export function MessageLog({ api, appId, catalog }: { api: Api; appId: string; catalog: EventType[] }) {
  const [eventType, setEventType] = useState("");
  const [after, setAfter] = useState("");
  const [endpointId, setEndpointId] = useState("");
  const [status, setStatus] = useState<StatusValue>("");
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
  const messages = usePagedList(
    ({ iterator, limit }) => {
      const query = {
        limit,
        ...(iterator ? { iterator } : {}),
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
    },
    [appId, eventType, after, endpointId, status],
  );
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
          <SelectField
            label="Endpoint"
            value={endpointId}
            options={[
              ["", "All endpoints"],
              ...(endpoints.data?.data ?? []).map((endpoint): [string, string] => [
                endpoint.id,
                endpoint.description || endpoint.url,
              ]),
            ]}
            onChange={setEndpointId}
          />
        </div>
        {endpointId && (
          <div className="grow">
            <SelectField
              label="Delivery status"
              value={status}
              options={statusOptions("Any status", [0, 2, 1, 3])}
              onChange={setStatus}
            />
          </div>
        )}
        <div className="grow">
          <SelectField
            label="Event type"
            value={eventType}
            options={[
              ["", "All event types"],
              ...catalog.map((type): [string, string] => [type.name, type.name]),
            ]}
            onChange={setEventType}
          />
        </div>
        <div className="grow">
          <TextField label="Sent after" type="datetime-local" value={after} onChange={setAfter} />
        </div>
        <RefreshButton onClick={messages.reload} />
      </div>
      <ErrorText error={messages.error ?? attempts.error} />
      <table>
        <TableHead columns={["Time", "Event type", "Message id", Boolean(endpointId) && "Status"]} actions />
        <tbody>
          {messages.rows.map((message) => (
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
      <Pager label="Message pages" {...messages.pager} />
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
