-- As SQLite's 017: background task claims (owner and heartbeat) and the heartbeats of `outbound listen` sessions.
ALTER TABLE background_tasks ADD COLUMN claimed_by TEXT;
ALTER TABLE background_tasks ADD COLUMN heartbeat_at BIGINT;
CREATE TABLE relay_sessions (
  url TEXT PRIMARY KEY,
  heartbeat_at BIGINT NOT NULL
);
