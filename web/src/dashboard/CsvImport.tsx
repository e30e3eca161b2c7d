import { useState } from "react";
import { ApiError, call, createApi } from "../api/client.ts";
import { ErrorText, errorText, Field, SelectField } from "../ui/forms.tsx";
import { usePoll } from "../ui/hooks.ts";
import { TableHead } from "../ui/table.tsx";
import type { Attribute, Issuer } from "./Directory.tsx";

interface ImportJob {
  id: string;
  state: "queued" | "running" | "completed" | "failed";
  rowsRead: number;
  created: number;
  updated: number;
  failed: number;
  errors: Array<{ row: number; column: string | null; message: string }>;
  message: string | null;
}

/** The header cells of a CSV's first line (quoted cells allowed), for the column-mapping step. */
export function csvHeader(text: string): string[] {
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted && char === '"' && line[index + 1] === '"') {
      cell += '"';
      index += 1;
    } else if (char === '"') quoted = !quoted;
    else if (char === "," && !quoted) {
      cells.push(cell.trim());
      cell = "";
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells.filter(Boolean);
}

const dataRows = (text: string) => text.split(/\r?\n/).filter((line) => line.trim() !== "").length - 1;

const errorsCsv = (job: ImportJob) =>
  [
    "row,column,message",
    ...job.errors.map(
      (error) =>
        `${error.row},"${(error.column ?? "").replace(/"/g, '""')}","${error.message.replace(/"/g, '""')}"`,
    ),
  ].join("\n");

/** Pick a file, map its columns to attributes, upload, and watch the job until every row is read. */
export function CsvImport(props: {
  appId: string;
  issuers: Issuer[];
  attributes: Attribute[];
  onFinished: () => void;
}) {
  const [file, setFile] = useState<{ name: string; text: string; header: string[]; rows: number } | null>(
    null,
  );
  const [idColumn, setIdColumn] = useState("");
  const [issuer, setIssuer] = useState("");
  const [tagsColumn, setTagsColumn] = useState("");
  const [consentColumn, setConsentColumn] = useState("");
  const [columns, setColumns] = useState<Record<string, string>>({});
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const api = createApi(null);

  usePoll(
    job && (job.state === "queued" || job.state === "running")
      ? async () => {
          const next = await call<ImportJob>(
            api.GET("/api/v1/app/{app_id}/participant/import/{id}", {
              params: { path: { app_id: props.appId, id: job.id } },
            }),
          );
          setJob(next);
          const done = next.state === "completed" || next.state === "failed";
          if (done) props.onFinished();
          return done;
        }
      : null,
    300,
  );

  async function upload() {
    if (!file) return;
    setError(null);
    const mapped = Object.fromEntries(Object.entries(columns).filter(([, attribute]) => attribute));
    const query = new URLSearchParams({
      idColumn,
      issuer: issuer || (props.issuers[0]?.id ?? ""),
      ...(tagsColumn ? { tagsColumn } : {}),
      ...(consentColumn ? { consentColumn } : {}),
      columns: JSON.stringify(mapped),
    });
    // The CSV goes as the raw request body (streamed to disk by the server), so this call is a plain fetch.
    const response = await fetch(
      `/api/v1/app/${encodeURIComponent(props.appId)}/participant/import?${query}`,
      {
        method: "POST",
        headers: { "content-type": "text/csv", "x-outbound-csrf": "1" },
        body: file.text,
        credentials: "same-origin",
      },
    );
    const body = (await response.json()) as unknown;
    if (!response.ok) throw new ApiError(response.status, body);
    setJob(body as ImportJob);
  }

  const percent =
    job && file
      ? job.state === "completed"
        ? 100
        : Math.min(99, Math.floor((100 * job.rowsRead) / Math.max(1, file.rows)))
      : 0;
  const issuerValue = issuer || props.issuers[0]?.id || "";
  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title">Import participants from CSV</h2>
      <Field label="CSV file">
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".csv,text/csv"
            onChange={(event) => {
              const chosen = event.target.files?.[0];
              setJob(null);
              if (!chosen) return setFile(null);
              void chosen.text().then((text) => {
                const header = csvHeader(text);
                setFile({ name: chosen.name, text, header, rows: dataRows(text) });
                setIdColumn(header[0] ?? "");
                setTagsColumn(header.find((column) => /^tags?$/i.test(column)) ?? "");
                setConsentColumn(header.find((column) => /^consent/i.test(column)) ?? "");
                setColumns(
                  Object.fromEntries(
                    header.map((column) => [
                      column,
                      props.attributes.find((attribute) => attribute.label === column)?.label ?? "",
                    ]),
                  ),
                );
              });
            }}
          />
        )}
      </Field>
      {file && !job && (
        <form
          aria-label="Column mapping"
          onSubmit={(event) => {
            event.preventDefault();
            upload().catch((reason: unknown) => setError(errorText(reason)));
          }}
        >
          <p>
            {file.name}: {file.rows.toLocaleString()} rows, {file.header.length} columns.
          </p>
          <div className="row">
            <div className="grow">
              <SelectField
                label="Identifier column"
                value={idColumn}
                options={file.header.map((column): [string, string] => [column, column])}
                onChange={setIdColumn}
              />
            </div>
            <div className="grow">
              <SelectField
                label="Identifier issuer"
                value={issuerValue}
                options={props.issuers.map((row): [string, string] => [row.id, row.id])}
                onChange={setIssuer}
              />
            </div>
            <div className="grow">
              <SelectField
                label="Consent column"
                value={consentColumn}
                options={[["", "None"], ...file.header.map((column): [string, string] => [column, column])]}
                onChange={setConsentColumn}
              />
            </div>
            <div className="grow">
              <SelectField
                label="Tags column"
                value={tagsColumn}
                options={[["", "None"], ...file.header.map((column): [string, string] => [column, column])]}
                onChange={setTagsColumn}
              />
            </div>
          </div>
          <table>
            <caption className="hint">Map each CSV column to an attribute</caption>
            <TableHead columns={["CSV column", "Attribute"]} />
            <tbody>
              {file.header
                .filter((column) => ![idColumn, tagsColumn, consentColumn].includes(column))
                .map((column) => (
                  <tr key={column}>
                    <td>{column}</td>
                    <td>
                      <label htmlFor={`map-${column}`} className="visually-hidden">
                        Attribute for column {column}
                      </label>
                      <select
                        id={`map-${column}`}
                        value={columns[column] ?? ""}
                        onChange={(event) => setColumns({ ...columns, [column]: event.target.value })}
                      >
                        <option value="">Ignore</option>
                        {props.attributes.map((attribute) => (
                          <option key={attribute.id} value={attribute.label}>
                            {attribute.label}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          <button type="submit" className="primary" disabled={!issuerValue}>
            Start import
          </button>
        </form>
      )}
      <ErrorText error={error} />
      {job && (
        <div>
          <label htmlFor="import-progress">Import progress</label>
          <progress id="import-progress" max={100} value={percent} />
          <p role="status" data-testid="import-status">
            {percent} % · {job.state} · {job.rowsRead.toLocaleString()} rows read, {job.created} created,{" "}
            {job.updated} updated, {job.failed} failed
          </p>
          {job.message && <p className="error">{job.message}</p>}
          {job.errors.length > 0 && (
            <>
              <h3>Row errors</h3>
              <a
                href={URL.createObjectURL(new Blob([errorsCsv(job)], { type: "text/csv" }))}
                download="import-errors.csv"
              >
                Download row errors as CSV
              </a>
              <table aria-label="Row errors">
                <TableHead columns={["Row", "Column", "Problem"]} />
                <tbody>
                  {job.errors.slice(0, 200).map((rowError) => (
                    <tr key={`${rowError.row}-${rowError.column}`}>
                      <td>{rowError.row}</td>
                      <td>{rowError.column ?? "—"}</td>
                      <td>{rowError.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
    </section>
  );
}
