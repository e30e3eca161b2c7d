-- Svix's scheduled messages (deliverAt) and free-form message tags (JSON array, filtered with json_each).
ALTER TABLE messages ADD COLUMN deliver_at INTEGER;
ALTER TABLE messages ADD COLUMN tags TEXT;
