import type { SecretBox } from "../secret-box.ts";
import { StartupError } from "../startup-failure.ts";
import type { Store } from "../store/store.ts";

/** Applications looked at for a stored secret; enough to find one without reading a large directory. */
const APPLICATIONS_TO_SCAN = 50;

/**
 * Opens one stored endpoint secret with the configured key. A changed or wrong OUTBOUND_ENCRYPTION_KEY (or a
 * replaced key file) then stops the start with one line, instead of every delivery failing to sign.
 */
export async function checkEncryptionKey(
  store: Store,
  secrets: SecretBox,
  databasePath: string,
): Promise<void> {
  const page = { limit: APPLICATIONS_TO_SCAN, cursor: null, direction: "next", order: "asc" } as const;
  for (const application of (await store.listApplications(page)).items) {
    const endpoint = (await store.listEndpoints(application.id, { ...page, limit: 1 })).items[0];
    if (!endpoint) continue;
    try {
      secrets.open(endpoint.secretsSealed);
    } catch {
      throw new StartupError(
        `OUTBOUND_ENCRYPTION_KEY: this key does not open the secrets stored in ${databasePath}. ` +
          "Set the key the database was created with (or restore its encryption.key file).",
      );
    }
    return;
  }
}
