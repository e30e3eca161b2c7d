import { ApiException, type Svix } from "svix";

/**
 * Makes sure an event type exists (event types are global to a server, and endpoint filters may only name
 * existing ones). An already existing type is left as is unless `schemas` is given, then it is updated.
 */
export async function ensureEventType(svix: Svix, name: string, schemas?: unknown): Promise<void> {
  const description = `${name} (created by the e2e tests)`;
  try {
    await svix.eventType.create({ name, description, schemas });
  } catch (error) {
    if (!(error instanceof ApiException) || error.code !== 409) throw error;
    if (schemas !== undefined) await svix.eventType.upsert(name, { description, schemas });
  }
}
