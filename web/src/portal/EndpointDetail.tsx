import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { Attempt, Endpoint, EventType, ListResponse, Message } from "../api/types.ts";
import { CopyButton, ErrorText, errorText, SelectField, StatusBadge, TextField } from "../ui/forms.tsx";
import { useLoad, usePoll } from "../ui/hooks.ts";
import { Pager, usePagedList } from "../ui/paging.tsx";
import { RefreshButton, type StatusValue, statusOptions, TableHead } from "../ui/table.tsx";
import { AttemptView } from "./AttemptView.tsx";
import { DeliveryChart } from "./Chart.tsx";

/** How many of the latest attempts the success-rate and latency chart is drawn from. */
const CHART_ATTEMPTS = 100;

interface Props {
  api: Api;
  appId: string;
  endpointId: string;
  catalog: EventType[];
  readOnly: boolean;
  /** Right after creation: the one moment the secret is shown without asking. */
  justCreated: boolean;
  onEdit: () => void;
  onBack: () => void;
}

export function EndpointDetail({
  api,
  appId,
  endpointId,
  catalog,
  readOnly,
  justCreated,
  onEdit,
  onBack,
}: Props) {
  const path = { app_id: appId, endpoint_id: endpointId };
  const [secret, setSecret] = useState<string | null>(null);
  const [showCreatedSecret, setShowCreatedSecret] = useState(justCreated);
  const [error, setError] = useState<string | null>(null);
  const [testType, setTestType] = useState("");
  const [testMessage, setTestMessage] = useState<Message | null>(null);
  const [testAttempt, setTestAttempt] = useState<Attempt | null>(null);
  const [statusFilter, setStatusFilter] = useState<StatusValue>("");
  const [open, setOpen] = useState<string | null>(null);
  const [since, setSince] = useState("");
  const [notice, setNotice] = useState<string | null>(null);

  const endpoint = useLoad(
    () => call<Endpoint>(api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}", { params: { path } })),
    [endpointId],
  );
  const createdSecret = useLoad(
    async () =>
      justCreated
        ? (
            await call<{ key: string }>(
              api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", { params: { path } }),
            )
          ).key
        : null,
    [endpointId, justCreated],
  );
  // The list pages through every attempt; the chart has its own query (the latest CHART_ATTEMPTS, any status), so
  // it does not change with the page or the status filter.
  const attempts = usePagedList(
    ({ iterator, limit }) =>
      call<ListResponse<Attempt>>(
        api.GET("/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", {
          params: {
            path,
            query: {
              limit,
              ...(iterator ? { iterator } : {}),
              ...(statusFilter ? { status: statusFilter } : {}),
            },
          },
        }),
      ),
    [endpointId, statusFilter],
  );
  const chart = useLoad(
    () =>
      call<ListResponse<Attempt>>(
        api.GET("/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", {
          params: { path, query: { limit: CHART_ATTEMPTS } },
        }),
      ),
    [endpointId],
  );
  const reloadAttempts = () => {
    attempts.reload();
    chart.reload();
  };

  usePoll(
    testMessage && !testAttempt
      ? async () => {
          const page = await call<ListResponse<Attempt>>(
            api.GET("/api/v1/app/{app_id}/attempt/msg/{msg_id}", {
              params: { path: { app_id: appId, msg_id: testMessage.id }, query: { endpoint_id: endpointId } },
            }),
          );
          const first = page.data[0];
          if (first) {
            setTestAttempt(first);
            reloadAttempts();
          }
          return Boolean(first);
        }
      : null,
    400,
  );

  async function run(action: () => Promise<unknown>, done?: string) {
    setError(null);
    setNotice(null);
    try {
      await action();
      if (done) setNotice(done);
    } catch (reason) {
      setError(errorText(reason));
    }
  }
  const revealSecret = () =>
    run(async () => {
      const result = await call<{ key: string }>(
        api.GET("/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", { params: { path } }),
      );
      setSecret(result.key);
    });

  const ep = endpoint.data;
  const types = ep?.eventTypes ?? catalog.map((type) => type.name);
  const chosenType = testType || types[0] || "";
  return (
    <>
      <div className="row">
        <button type="button" onClick={onBack}>
          ← Endpoints
        </button>
        <h2 className="grow" style={{ margin: 0 }}>
          {ep ? ep.description || ep.url : "Endpoint"}
        </h2>
        {ep && !readOnly && (
          <button type="button" onClick={onEdit}>
            Edit
          </button>
        )}
      </div>
      <ErrorText error={endpoint.error ?? error} />
      {notice && <p role="status">{notice}</p>}

      {showCreatedSecret && createdSecret.data && (
        <section className="panel warning" aria-labelledby="secret-once">
          <h3 id="secret-once">Copy the signing secret now</h3>
          <p>
            Your endpoint is ready. Copy this secret into your receiver to verify signatures; it is not shown
            again here.
          </p>
          <pre data-testid="created-secret">{createdSecret.data}</pre>
          <div className="row">
            <CopyButton text={createdSecret.data} label="Copy secret" />
            <button type="button" onClick={() => setShowCreatedSecret(false)}>
              I have copied it
            </button>
          </div>
        </section>
      )}

      {ep && (
        <section className="panel" aria-label="Endpoint summary">
          <p>
            <code>{ep.url}</code>{" "}
            {ep.disabled ? (
              <span className="badge muted">Disabled</span>
            ) : (
              <span className="badge ok">Enabled</span>
            )}
          </p>
          <p className="hint">
            {ep.delivery.method ?? "POST"} · {ep.eventTypes?.join(", ") ?? "all events"}
            {ep.delivery.credentials ? ` · ${ep.delivery.credentials.type} credentials ********` : ""}
          </p>
          {!showCreatedSecret && (
            <div className="row">
              {secret ? (
                <>
                  <pre className="grow" data-testid="revealed-secret">
                    {secret}
                  </pre>
                  <CopyButton text={secret} label="Copy secret" />
                  <button type="button" onClick={() => setSecret(null)}>
                    Hide secret
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => void revealSecret()}>
                  Reveal signing secret
                </button>
              )}
              {!readOnly && (
                <button
                  type="button"
                  onClick={() =>
                    void run(async () => {
                      await call(
                        api.POST("/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", {
                          params: { path },
                          body: {},
                        }),
                      );
                      setSecret(null);
                    }, "Secret rotated. The previous secret keeps signing for 24 hours.")
                  }
                >
                  Rotate secret
                </button>
              )}
            </div>
          )}
        </section>
      )}

      {!readOnly && (
        <section className="panel" aria-labelledby="test-title">
          <h3 id="test-title">Send a test event</h3>
          <div className="row">
            <div className="grow">
              <SelectField
                label="Event type to test"
                value={chosenType}
                options={types.map((name): [string, string] => [name, name])}
                onChange={setTestType}
              />
            </div>
            <div className="field">
              <button
                type="button"
                className="primary"
                disabled={!chosenType}
                onClick={() =>
                  void run(async () => {
                    setTestAttempt(null);
                    const message = await call<Message>(
                      api.POST("/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", {
                        params: { path },
                        body: { eventType: chosenType },
                      }),
                    );
                    setTestMessage(message);
                  })
                }
              >
                Send test event
              </button>
            </div>
          </div>
          {testMessage && !testAttempt && <p role="status">Sending {testMessage.id}…</p>}
          {testMessage && testAttempt && <AttemptView attempt={testAttempt} payload={testMessage.payload} />}
        </section>
      )}

      <section className="panel" aria-labelledby="chart-title">
        <h3 id="chart-title">Success rate and latency</h3>
        <DeliveryChart attempts={chart.data?.data ?? []} />
      </section>

      <section className="panel" aria-labelledby="attempts-title">
        <div className="row">
          <h3 id="attempts-title" className="grow">
            Delivery attempts
          </h3>
          <div>
            <SelectField
              label="Status"
              value={statusFilter}
              options={statusOptions("All", [0, 2, 1])}
              onChange={setStatusFilter}
            />
          </div>
          <RefreshButton onClick={reloadAttempts} />
        </div>
        <ErrorText error={attempts.error} />
        <table>
          <TableHead columns={["Time", "Message", "Status", "HTTP"]} actions />
          <tbody>
            {attempts.rows.map((attempt) => (
              <AttemptRow
                key={attempt.id}
                attempt={attempt}
                open={open === attempt.id}
                readOnly={readOnly}
                onToggle={() => setOpen(open === attempt.id ? null : attempt.id)}
                onResend={() =>
                  void run(
                    () =>
                      call(
                        api.POST("/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", {
                          params: { path: { app_id: appId, msg_id: attempt.msgId, endpoint_id: endpointId } },
                        }),
                      ),
                    `Message ${attempt.msgId} queued again.`,
                  )
                }
              />
            ))}
          </tbody>
        </table>
        <Pager label="Attempt pages" {...attempts.pager} />
        {!readOnly && (
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault();
              void run(
                () =>
                  call(
                    api.POST("/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", {
                      params: { path },
                      body: { since: new Date(since).toISOString() },
                    }),
                  ),
                "Failed messages since then are being sent again.",
              );
            }}
          >
            <div className="grow">
              <TextField
                label="Recover failed messages since"
                type="datetime-local"
                required
                value={since}
                onChange={setSince}
              />
            </div>
            <div className="field">
              <button type="submit">Recover</button>
            </div>
          </form>
        )}
      </section>
    </>
  );
}

function AttemptRow(props: {
  attempt: Attempt;
  open: boolean;
  readOnly: boolean;
  onToggle: () => void;
  onResend: () => void;
}) {
  const { attempt } = props;
  return (
    <>
      <tr>
        <td>{new Date(attempt.timestamp).toLocaleString()}</td>
        <td>
          <code>{attempt.msgId}</code>
        </td>
        <td>
          <StatusBadge status={attempt.status} />
        </td>
        <td>{attempt.responseStatusCode}</td>
        <td className="actions">
          <button type="button" aria-expanded={props.open} onClick={props.onToggle}>
            {props.open ? "Hide" : "View"}
          </button>
          {!props.readOnly && (
            <button type="button" onClick={props.onResend}>
              Resend
            </button>
          )}
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={5}>
            <AttemptView attempt={attempt} />
          </td>
        </tr>
      )}
    </>
  );
}
