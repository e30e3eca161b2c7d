import { useState } from "react";
import { type Api, call } from "../api/client.ts";
import type { EventType, ListResponse } from "../api/types.ts";
import { ErrorText, errorText, TextField } from "../ui/forms.tsx";
import { useLoad } from "../ui/hooks.ts";
import { TableHead } from "../ui/table.tsx";

/** The event type catalog: create or edit a type with its JSON schema and an example, archive it. */
export function EventTypes({ api }: { api: Api }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [schema, setSchema] = useState("");
  const [example, setExample] = useState("");
  const [error, setError] = useState<string | null>(null);
  const list = useLoad(
    () =>
      call<ListResponse<EventType>>(
        api.GET("/api/v1/event-type", { params: { query: { limit: 250, with_content: "true" } } }),
      ),
    [],
  );
  const edit = (type: EventType | null) => {
    setEditing(type?.name ?? "");
    setName(type?.name ?? "");
    setDescription(type?.description ?? "");
    const first = Object.values(type?.schemas ?? {})[0] as Record<string, unknown> | undefined;
    const { examples, ...rest } = first ?? {};
    setSchema(first ? JSON.stringify(rest, null, 2) : "");
    setExample(Array.isArray(examples) && examples[0] ? JSON.stringify(examples[0], null, 2) : "");
  };
  function save() {
    setError(null);
    let schemas: Record<string, unknown> | null = null;
    try {
      const parsed = schema.trim() ? (JSON.parse(schema) as Record<string, unknown>) : {};
      const parsedExample = example.trim() ? JSON.parse(example) : undefined;
      if (schema.trim() || parsedExample)
        schemas = { "1": { ...parsed, ...(parsedExample ? { examples: [parsedExample] } : {}) } };
    } catch {
      setError("Schema and example must be valid JSON.");
      return;
    }
    const request =
      editing === ""
        ? api.POST("/api/v1/event-type", { body: { name, description, schemas } })
        : api.PUT("/api/v1/event-type/{event_type_name}", {
            params: { path: { event_type_name: editing ?? name } },
            body: { description, schemas },
          });
    call(request)
      .then(() => {
        setEditing(null);
        list.reload();
      })
      .catch((reason: unknown) => setError(errorText(reason)));
  }
  return (
    <>
      <section className="panel" aria-labelledby="types-title">
        <div className="row">
          <h2 id="types-title" className="grow">
            Event types
          </h2>
          <button type="button" className="primary" onClick={() => edit(null)}>
            New event type
          </button>
        </div>
        <ErrorText error={list.error} />
        <table>
          <TableHead columns={["Name", "Description"]} actions />
          <tbody>
            {(list.data?.data ?? []).map((type) => (
              <tr key={type.name}>
                <td>
                  <code>{type.name}</code>
                </td>
                <td>{type.description}</td>
                <td className="actions">
                  <button type="button" aria-label={`Edit ${type.name}`} onClick={() => edit(type)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Archive ${type.name}`}
                    onClick={() =>
                      call(
                        api.DELETE("/api/v1/event-type/{event_type_name}", {
                          params: { path: { event_type_name: type.name } },
                        }),
                      )
                        .then(list.reload)
                        .catch((reason: unknown) => setError(errorText(reason)))
                    }
                  >
                    Archive
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {editing !== null && (
        <form
          className="panel"
          aria-label="Event type"
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <h2>{editing ? `Edit ${editing}` : "New event type"}</h2>
          {editing === "" && (
            <TextField label="Event type name" value={name} placeholder="user.signed_up" onChange={setName} />
          )}
          <TextField label="Description" value={description} onChange={setDescription} />
          <div className="field">
            <label htmlFor="type-schema">JSON schema</label>
            <textarea id="type-schema" value={schema} onChange={(event) => setSchema(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="type-example">Example payload (JSON)</label>
            <textarea
              id="type-example"
              value={example}
              onChange={(event) => setExample(event.target.value)}
            />
          </div>
          <ErrorText error={error} />
          <div className="row">
            <button type="submit" className="primary">
              Save event type
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </>
  );
}
