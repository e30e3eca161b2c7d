import { z } from "zod";
import { eventTypeName } from "./schemas.ts";

/** `GET …/relay?event_types=a,b`: which event types the temporary relay endpoint subscribes to (default all). */
export const relayQuery = z.strictObject({
  event_types: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(",").filter(Boolean) : undefined))
    .pipe(z.array(eventTypeName).max(1000).optional()),
});
/** The local receiver's answer to one relayed delivery (status 0: it could not be reached). */
export const relayAnswerIn = z.strictObject({
  status: z.number().int().min(0).max(599),
  body: z.string().max(1024 * 1024),
  /** Its response headers as `[name, value]` pairs; kept bounded like a direct attempt's (absent from older CLIs). */
  headers: z
    .array(z.tuple([z.string().max(1024), z.string().max(16 * 1024)]))
    .max(1000)
    .optional(),
});
