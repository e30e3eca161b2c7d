import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { ListResponse } from "../api/types.ts";
import { ErrorText, errorText, Field, SelectField, TextField } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { Pager, usePagedList } from "../ui/paging.tsx";
import { RefreshButton, TableHead } from "../ui/table.tsx";
import { CsvImport } from "./CsvImport.tsx";

export interface Issuer {
  id: string;
  description: string | null;
}
export interface Attribute {
  id: string;
  label: string;
  valueType: string;
  choices: Array<{ value: string; label: string }> | null;
  /** Outbound's own attributes (RecontactMethod, TimeZone) cannot be changed. */
  systemDefined: boolean;
}
export interface Participant {
  id: string;
  externalIdentifiers: Array<{ id: string; issuer: string }>;
  attributes: Record<string, unknown>;
  tags: string[];
  unsubscribedAt: string | null;
}

/** The participant directory: participants with filters, issuers and attributes editors, CSV import. */
export function Directory({ api, appId }: { api: Api; appId: string }) {
  const path = { app_id: appId };
  const [tag, setTag] = useState("");
  const [issuer, setIssuer] = useState("");
  const [attribute, setAttribute] = useState("");
  const [error, setError] = useState<string | null>(null);
  const issuers = useLoad(
    () => call<ListResponse<Issuer>>(api.GET("/api/v1/app/{app_id}/issuer", { params: { path } })),
    [appId],
  );
  const attributes = useLoad(
    () => call<ListResponse<Attribute>>(api.GET("/api/v1/app/{app_id}/attribute", { params: { path } })),
    [appId],
  );
  const participants = usePagedList(
    ({ iterator, limit }) =>
      call<ListResponse<Participant>>(
        api.GET("/api/v1/app/{app_id}/participant", {
          params: {
            path,
            query: {
              limit,
              ...(iterator ? { iterator } : {}),
              ...(tag ? { tag } : {}),
              ...(issuer ? { issuer } : {}),
              ...(attribute.includes(":") ? { attribute } : {}),
            },
          },
        }),
      ),
    [appId, tag, issuer, attribute],
  );
  return (
    <>
      <section className="panel" aria-labelledby="participants-title">
        <h2 id="participants-title">Participants</h2>
        <div className="row">
          <div className="grow">
            <TextField label="Tag" value={tag} onChange={setTag} />
          </div>
          <div className="grow">
            <SelectField
              label="Issuer"
              value={issuer}
              options={[
                ["", "Any issuer"],
                ...(issuers.data?.data ?? []).map((row): [string, string] => [row.id, row.id]),
              ]}
              onChange={setIssuer}
            />
          </div>
          <div className="grow">
            <TextField
              label="Attribute"
              value={attribute}
              placeholder="Label:value"
              onChange={setAttribute}
            />
          </div>
          <RefreshButton onClick={participants.reload} />
        </div>
        <ErrorText error={participants.error ?? error} />
        <table aria-labelledby="participants-title">
          <TableHead columns={["Identifiers", "Attributes", "Tags", "Subscribed"]} />
          <tbody>
            {participants.rows.map((row) => (
              <tr key={row.id}>
                <td>
                  {row.externalIdentifiers
                    .map((identifier) => `${identifier.issuer}:${identifier.id}`)
                    .join(", ")}
                </td>
                <td>
                  {Object.entries(row.attributes)
                    .map(([name, value]) => `${name}: ${String(value)}`)
                    .join(", ")}
                </td>
                <td>{row.tags.join(", ")}</td>
                <td>{row.unsubscribedAt ? "Unsubscribed" : "Yes"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager label="Participant pages" {...participants.pager} />
      </section>
      <div className="split">
        <IssuersEditor
          api={api}
          appId={appId}
          issuers={issuers.data?.data ?? []}
          onChange={issuers.reload}
          onError={setError}
        />
        <AttributesEditor
          api={api}
          appId={appId}
          attributes={attributes.data?.data ?? []}
          onChange={attributes.reload}
          onError={setError}
        />
      </div>
      <CsvImport
        appId={appId}
        issuers={issuers.data?.data ?? []}
        attributes={attributes.data?.data ?? []}
        onFinished={participants.reload}
      />
    </>
  );
}

function IssuersEditor(props: {
  api: Api;
  appId: string;
  issuers: Issuer[];
  onChange: () => void;
  onError: (error: string) => void;
}) {
  const [id, setId] = useState("");
  const [description, setDescription] = useState("");
  return (
    <form
      className="panel"
      aria-labelledby="issuers-title"
      onSubmit={(event) => {
        event.preventDefault();
        call(
          props.api.POST("/api/v1/app/{app_id}/issuer", {
            params: { path: { app_id: props.appId } },
            body: { id, description },
          }),
        )
          .then(() => {
            setId("");
            setDescription("");
            props.onChange();
          })
          .catch((reason: unknown) => props.onError(errorText(reason)));
      }}
    >
      <h3 id="issuers-title">Identifier issuers</h3>
      <ul>
        {props.issuers.map((issuer) => (
          <li key={issuer.id}>
            <code>{issuer.id}</code> {issuer.description}
          </li>
        ))}
      </ul>
      <TextField label="Issuer id" value={id} onChange={setId} />
      <TextField label="Issuer description" value={description} onChange={setDescription} />
      <button type="submit">Add issuer</button>
    </form>
  );
}

function AttributesEditor(props: {
  api: Api;
  appId: string;
  attributes: Attribute[];
  onChange: () => void;
  onError: (error: string) => void;
}) {
  const [label, setLabel] = useState("");
  const [valueType, setValueType] = useState("String");
  const [choices, setChoices] = useState("");
  return (
    <form
      className="panel"
      aria-labelledby="attributes-title"
      onSubmit={(event) => {
        event.preventDefault();
        const list = choiceList(choices);
        call(
          props.api.POST("/api/v1/app/{app_id}/attribute", {
            params: { path: { app_id: props.appId } },
            body: {
              label,
              valueType: valueType as "String",
              ...(valueType === "SingleChoice" ? { choices: list } : {}),
            },
          }),
        )
          .then(() => {
            setLabel("");
            setChoices("");
            props.onChange();
          })
          .catch((reason: unknown) => props.onError(errorText(reason)));
      }}
    >
      <h3 id="attributes-title">Attributes</h3>
      <ul>
        {props.attributes.map((attribute) => (
          <li key={attribute.id}>
            {attribute.label}{" "}
            <span className="hint">
              ({attribute.valueType}
              {attribute.choices ? `: ${attribute.choices.map((choice) => choice.label).join(", ")}` : ""})
            </span>
            {attribute.valueType === "SingleChoice" && !attribute.systemDefined && (
              <ChoicesEditor
                attribute={attribute}
                onSave={(choices) =>
                  call(
                    props.api.PATCH("/api/v1/app/{app_id}/attribute/{id}", {
                      params: { path: { app_id: props.appId, id: attribute.id } },
                      body: { choices },
                    }),
                  )
                    .then(props.onChange)
                    .catch((reason: unknown) => props.onError(errorText(reason)))
                }
              />
            )}
          </li>
        ))}
      </ul>
      <TextField label="Attribute label" value={label} onChange={setLabel} />
      <SelectField
        label="Value type"
        value={valueType}
        options={[
          ["String", "Text"],
          ["Number", "Number"],
          ["Boolean", "Yes/no"],
          ["DateTime", "Date and time"],
          ["SingleChoice", "Single choice"],
        ]}
        onChange={setValueType}
      />
      {valueType === "SingleChoice" && (
        <Field label="Choices" hint="Comma-separated">
          {(id, describedBy) => (
            <input
              id={id}
              aria-describedby={describedBy}
              value={choices}
              onChange={(event) => setChoices(event.target.value)}
            />
          )}
        </Field>
      )}
      <button type="submit">Add attribute</button>
    </form>
  );
}

const choiceList = (text: string) =>
  text
    .split(",")
    .map((choice) => choice.trim())
    .filter(Boolean)
    .map((choice) => ({ value: choice, label: choice }));

/** Edits a SingleChoice attribute's choices in place (inside the attributes form, so its own button saves). */
function ChoicesEditor(props: {
  attribute: Attribute;
  onSave: (choices: Array<{ value: string; label: string }>) => void;
}) {
  const [text, setText] = useState<string | null>(null);
  if (text === null) {
    return (
      <button
        type="button"
        className="icon"
        aria-label={`Edit choices of ${props.attribute.label}`}
        onClick={() => setText((props.attribute.choices ?? []).map((choice) => choice.value).join(", "))}
      >
        ✎
      </button>
    );
  }
  const save = () => {
    props.onSave(choiceList(text));
    setText(null);
  };
  return (
    <span className="row">
      <label htmlFor={`choices-${props.attribute.id}`} className="visually-hidden">
        Choices of {props.attribute.label}
      </label>
      <input
        id={`choices-${props.attribute.id}`}
        className="grow"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== "Enter") return;
          event.preventDefault();
          save();
        }}
      />
      <button type="button" onClick={save}>
        Save choices
      </button>
    </span>
  );
}
