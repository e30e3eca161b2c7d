import type { NewMessage } from "../directory-store.ts";
import { DuplicateEventIdError, duplicateKeyError } from "../errors.ts";
import type { DeliveryRow, IdempotencyCompletion, MessageRow } from "../types.ts";
import type { Queryable, Sql } from "./database.ts";

/** PostgreSQL allows 65,535 parameters per statement: rows per multi-row INSERT stay well below. */
const ROWS_PER_INSERT = 4_000;
/** Channel the worker LISTENs on; a notification is only a hint, polling stays the truth. */
export const WORK_CHANNEL = "outbound_work";

function messageColumns(m: MessageRow) {
  return {
    id: m.id,
    app_id: m.appId,
    event_type: m.eventType,
    event_id: m.eventId,
    channels: m.channels === null ? null : JSON.stringify(m.channels),
    payload: m.payload,
    tags: m.tags === null ? null : JSON.stringify(m.tags),
    deliver_at: m.deliverAt,
    created_at: m.createdAt,
    expires_at: m.expiresAt,
  };
}

export function deliveryColumns(d: DeliveryRow) {
  return {
    msg_id: d.msgId,
    endpoint_id: d.endpointId,
    app_id: d.appId,
    status: d.status,
    attempts: d.attempts,
    due_at: d.dueAt,
    trigger_type: d.triggerType,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

type Reserve = NonNullable<IdempotencyCompletion["reserve"]>;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_INSERT)
    out.push(items.slice(start, start + ROWS_PER_INSERT));
  return out;
}

/**
 * Inserts messages and their deliveries in a few multi-row statements (callers wrap it in their transaction).
 * With `skipDuplicates`, a message whose eventId exists is skipped (with its deliveries); the inserted ids are
 * returned either way.
 */
export async function writeMessages(
  tx: Queryable,
  items: NewMessage[],
  skipDuplicates = false,
): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of chunks(items)) {
    const rows = chunk.map((item) => messageColumns(item.message));
    const result = skipDuplicates
      ? await tx`INSERT INTO messages ${tx(rows)} ON CONFLICT DO NOTHING RETURNING id`
      : await tx`INSERT INTO messages ${tx(rows)} RETURNING id`;
    for (const r of result) inserted.add(String(r.id));
  }
  const deliveries = items.filter((item) => inserted.has(item.message.id)).flatMap((item) => item.deliveries);
  for (const chunk of chunks(deliveries)) await tx`INSERT INTO deliveries ${tx(chunk.map(deliveryColumns))}`;
  if (deliveries.length > 0) await tx`SELECT pg_notify(${WORK_CHANNEL}, '')`;
  return inserted;
}

interface Pending {
  item: NewMessage;
  idempotency: IdempotencyCompletion | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 512;

/** What a batch wrote: the messages inserted, and the writes refused because their idempotency key exists. */
interface Written {
  inserted: Set<string>;
  taken: Set<Pending>;
}

/**
 * Inserts, answers included, the idempotency keys of the writes that reserve theirs (one statement); returns the
 * writes whose key exists already, or belongs to a twin earlier in the batch.
 */
async function reserveKeys(tx: Queryable, batch: Pending[]): Promise<Set<Pending>> {
  const taken = new Set<Pending>();
  const byKey = new Map<string, { entry: Pending; answer: IdempotencyCompletion; reserve: Reserve }>();
  for (const entry of batch) {
    const answer = entry.idempotency;
    const reserve = answer?.reserve;
    if (!answer || !reserve) continue;
    if (byKey.has(answer.key)) taken.add(entry);
    else byKey.set(answer.key, { entry, answer, reserve });
  }
  if (byKey.size === 0) return taken;
  const rows = [...byKey.values()].map(({ answer, reserve }) => ({
    key: answer.key,
    request_hash: reserve.requestHash,
    created_at: reserve.createdAt,
    status_code: answer.statusCode,
    body: answer.body,
  }));
  const got = await tx`INSERT INTO idempotency ${tx(rows)} ON CONFLICT (key) DO NOTHING RETURNING key`;
  const reserved = new Set(got.map((r) => String(r.key)));
  for (const [key, { entry }] of byKey) if (!reserved.has(key)) taken.add(entry);
  return taken;
}

/**
 * Group commit: messages written during one event-loop turn share one transaction and a handful of multi-row
 * statements (one round trip for many inserts). Each caller's promise settles only after COMMIT; a duplicate eventId
 * rejects only its own request. If the shared transaction fails for another reason, each write is retried alone so
 * one bad write does not fail the others.
 */
export function createMessageGroupCommit(sql: Sql): {
  run(item: NewMessage, idempotency?: IdempotencyCompletion): Promise<void>;
} {
  const queue: Pending[] = [];
  let scheduled = false;

  async function write(tx: Queryable, batch: Pending[]): Promise<Written> {
    const taken = await reserveKeys(tx, batch);
    const writable = batch.filter((entry) => !taken.has(entry));
    const inserted = await writeMessages(
      tx,
      writable.map((entry) => entry.item),
      true,
    );
    // The idempotent answer commits with its message: a crash cannot leave the key without it.
    for (const entry of writable) {
      const answer = entry.idempotency;
      if (!answer) continue;
      if (!inserted.has(entry.item.message.id)) {
        // Its message was refused (a duplicate eventId): the key it inserted goes with it.
        if (answer.reserve) await tx`DELETE FROM idempotency WHERE key = ${answer.key}`;
      } else if (!answer.reserve) {
        await tx`UPDATE idempotency SET status_code = ${answer.statusCode}, body = ${answer.body} WHERE key = ${answer.key}`;
      }
    }
    return { inserted, taken };
  }

  function settle(batch: Pending[], { inserted, taken }: Written) {
    for (const entry of batch) {
      if (taken.has(entry)) entry.reject(duplicateKeyError("idempotency.key"));
      else if (inserted.has(entry.item.message.id)) entry.resolve();
      else entry.reject(new DuplicateEventIdError());
    }
  }

  async function flush() {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) schedule();
    try {
      settle(batch, await sql.begin((tx) => write(tx, batch)));
    } catch {
      for (const entry of batch) {
        sql
          .begin((tx) => write(tx, [entry]))
          .then(
            (inserted) => settle([entry], inserted),
            (error: unknown) => entry.reject(error),
          );
      }
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  }

  return {
    run(item, idempotency) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, idempotency, resolve, reject });
        schedule();
      });
    },
  };
}
