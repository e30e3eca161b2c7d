import type { SecretBox } from "../secret-box.ts";
import type { Credentials } from "../store/types.ts";

/** Endpoint credentials are stored sealed; the API shows them masked; the sender opens them just before sending. */
export function sealCredentials(box: SecretBox, credentials: Credentials | null | undefined): string | null {
  return credentials ? box.seal(JSON.stringify(credentials)) : null;
}

export function openCredentials(box: SecretBox, sealed: string | null): Credentials | null {
  return sealed === null ? null : (JSON.parse(box.open(sealed)) as Credentials);
}

/** What stands for a secret value wherever one is shown (credentials, masked request headers and query tokens). */
export const MASK = "********";

/** Credentials as the API shows them: which kind, and who, never the secret part. */
export function maskCredentials(credentials: Credentials | null): Record<string, string> | null {
  if (!credentials) return null;
  switch (credentials.type) {
    case "basic":
      return { type: "basic", username: credentials.username, password: MASK };
    case "bearer":
      return { type: "bearer", token: MASK };
    case "header":
      return { type: "header", name: credentials.name, value: MASK };
    case "applicationKey":
      return {
        type: "applicationKey",
        environment: credentials.environment,
        name: credentials.name,
        key: MASK,
      };
  }
}
