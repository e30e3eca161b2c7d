-- A running background task belongs to the process that claimed it (`claimed_by`) while that process renews
-- `heartbeat_at`; a task nobody holds, or whose holder stopped renewing (a dead process), is taken over by another.
ALTER TABLE background_tasks ADD COLUMN claimed_by TEXT;
ALTER TABLE background_tasks ADD COLUMN heartbeat_at INTEGER;
-- `outbound listen` sessions by relay URL, renewed while the stream is open: a relay endpoint without a fresh
-- session belongs to a stream that died with its process, and is removed.
CREATE TABLE relay_sessions (
  url TEXT PRIMARY KEY,
  heartbeat_at INTEGER NOT NULL
);
