import { ErrorText, SelectField, TextField } from "../ui/forms.tsx";
import type { CredentialsKind, Draft } from "./builder-state.ts";

/** The builder's Delivery step: method, body encoding, signature scheme, credentials (masked once saved), rate limit. */
export function DeliveryFields({
  draft,
  change,
  issue,
}: {
  draft: Draft;
  change: (patch: Partial<Draft>) => void;
  issue: (...path: string[]) => string | undefined;
}) {
  return (
    <>
      <div className="row">
        <div className="grow">
          <SelectField
            label="HTTP method"
            value={draft.method}
            options={[
              ["POST", "POST"],
              ["PUT", "PUT"],
              ["PATCH", "PATCH"],
              ["GET", "GET (payload in the query string)"],
            ]}
            onChange={(method) => change({ method })}
          />
        </div>
        {draft.method !== "GET" && (
          <div className="grow">
            <SelectField
              label="Body encoding"
              value={draft.bodyEncoding}
              options={[
                ["json", "JSON"],
                ["form", "Form (x-www-form-urlencoded)"],
              ]}
              onChange={(bodyEncoding) => change({ bodyEncoding })}
            />
          </div>
        )}
      </div>
      <SelectField
        label="Signature"
        value={draft.signatureScheme}
        options={[
          ["standard", "Standard Webhooks (webhook-signature)"],
          ["hmac-sha256-hex", "HMAC-SHA256, hex, in a header"],
          ["hmac-sha256-base64", "HMAC-SHA256, base64, in a header"],
          ["none", "None"],
        ]}
        onChange={(signatureScheme) => change({ signatureScheme })}
      />
      {draft.signatureScheme.startsWith("hmac") && (
        <div className="row">
          <div className="grow">
            <TextField
              label="Signature header"
              value={draft.signatureHeader}
              error={issue("delivery", "signature", "header")}
              onChange={(signatureHeader) => change({ signatureHeader })}
            />
          </div>
          <div className="grow">
            <TextField
              label="Signature prefix"
              value={draft.signaturePrefix}
              placeholder="sha256="
              onChange={(signaturePrefix) => change({ signaturePrefix })}
            />
          </div>
        </div>
      )}
      <SelectField<CredentialsKind>
        label="Credentials"
        value={draft.credentialsKind}
        hint={draft.credentialsKept ? "Saved credentials are kept; choose again to replace them." : undefined}
        options={[
          ["none", "None"],
          ["basic", "Basic (username and password)"],
          ["bearer", "Bearer token"],
          ["header", "Secret header"],
          ["applicationKey", "Application key (x-application, x-application-key)"],
        ]}
        onChange={(credentialsKind) => change({ credentialsKind, credentialsKept: false })}
      />
      {draft.credentialsKept && draft.credentialsKind !== "none" && (
        <p className="hint">Saved: {draft.credentialsKind} ********</p>
      )}
      {!draft.credentialsKept && draft.credentialsKind === "basic" && (
        <div className="row">
          <div className="grow">
            <TextField
              label="Username"
              value={draft.username}
              onChange={(username) => change({ username })}
            />
          </div>
          <div className="grow">
            <TextField
              label="Password"
              type="password"
              value={draft.password}
              onChange={(password) => change({ password })}
            />
          </div>
        </div>
      )}
      {!draft.credentialsKept && draft.credentialsKind === "bearer" && (
        <TextField
          label="Token"
          type="password"
          value={draft.token}
          onChange={(token) => change({ token })}
        />
      )}
      {!draft.credentialsKept && draft.credentialsKind === "header" && (
        <div className="row">
          <div className="grow">
            <TextField
              label="Header name"
              value={draft.headerName}
              onChange={(headerName) => change({ headerName })}
            />
          </div>
          <div className="grow">
            <TextField
              label="Header value"
              type="password"
              value={draft.headerValue}
              onChange={(headerValue) => change({ headerValue })}
            />
          </div>
        </div>
      )}
      {!draft.credentialsKept && draft.credentialsKind === "applicationKey" && (
        <div className="row">
          <div className="grow">
            <SelectField
              label="Key environment"
              value={draft.keyEnvironment}
              options={[
                ["prod", "prod"],
                ["staging", "staging"],
                ["dev", "dev"],
              ]}
              onChange={(keyEnvironment) => change({ keyEnvironment })}
            />
          </div>
          <div className="grow">
            <TextField
              label="Application name"
              value={draft.keyName}
              onChange={(keyName) => change({ keyName })}
            />
          </div>
          <div className="grow">
            <TextField
              label="Application key"
              type="password"
              value={draft.keyValue}
              onChange={(keyValue) => change({ keyValue })}
            />
          </div>
        </div>
      )}
      <ErrorText error={issue("delivery", "credentials")} />
      <TextField
        label="Rate limit (requests per second)"
        value={draft.rateLimit}
        type="number"
        hint="Empty: no limit."
        error={issue("rateLimit")}
        onChange={(rateLimit) => change({ rateLimit })}
      />
    </>
  );
}
