-- Per-endpoint request format (method, encoding, signature scheme, mapping, content filter) as JSON;
-- credentials sealed separately because they are secret.
ALTER TABLE endpoints ADD COLUMN delivery_options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN credentials_sealed TEXT;
ALTER TABLE applications ADD COLUMN require_https INTEGER NOT NULL DEFAULT 0;
-- The request as sent (secrets masked), for the attempt log.
ALTER TABLE attempts ADD COLUMN request TEXT;
