-- Claims carry their owner (the claiming process), so only that process records their outcome.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
-- Live claims per endpoint are counted in every claim (caps hold across processes).
CREATE INDEX deliveries_sending ON deliveries (endpoint_id, due_at) WHERE status = 3;
-- The next free rate-limit slot of a throttled endpoint, shared by every process.
ALTER TABLE endpoints ADD COLUMN rate_next_at INTEGER;
-- eventId is unique per application: the database decides, not a check before the insert.
DROP INDEX messages_event_id;
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
-- Retention deletes old attempts in small batches, oldest first.
CREATE INDEX attempts_created ON attempts (created_at);
