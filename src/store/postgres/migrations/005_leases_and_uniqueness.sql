-- As SQLite's 005: claim owners, live-claim counting, shared rate-limit slots, unique eventIds, retention index.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
CREATE INDEX deliveries_sending ON deliveries (endpoint_id, due_at) WHERE status = 3;
ALTER TABLE endpoints ADD COLUMN rate_next_at BIGINT;
CREATE UNIQUE INDEX messages_event_id_key ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX attempts_created ON attempts (created_at);
