-- As SQLite's 010: Svix's scheduled messages (deliverAt) and free-form message tags (JSON array text).
ALTER TABLE messages ADD COLUMN deliver_at BIGINT;
ALTER TABLE messages ADD COLUMN tags TEXT;
