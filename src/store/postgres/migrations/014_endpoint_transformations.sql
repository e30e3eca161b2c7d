-- As SQLite's 014: Svix transformations, the endpoint's JavaScript handler and whether it runs (JSON text).
ALTER TABLE endpoints ADD COLUMN transformation TEXT;
