/** What the operator sees of the store on /metrics and /api/v1/health/details, read on demand (never per message). */
export interface OperationalStats {
  queue: {
    /** Deliveries waiting for an attempt (due now or scheduled for a retry). */
    pending: number;
    /** Claimed by a worker, attempt in flight. */
    sending: number;
    /** Pending and due now: the backlog. */
    due: number;
    /** Due time of the oldest due delivery (ms), null when nothing is due. */
    oldestDueAt: number | null;
  };
  endpoints: {
    total: number;
    disabled: number;
    /** Enabled, with failures since their last success. */
    failing: number;
    /** Enabled, circuit breaker open now. */
    circuitOpen: number;
  };
  database: {
    /** Bytes of the database (SQLite: pages in use plus free; PostgreSQL: pg_database_size). */
    sizeBytes: number | null;
    /** Connection pool, where the store has one. */
    pool?: { total: number; idle: number; waiting: number };
  };
}
