-- As SQLite's 011: read-only portal tokens, their feature flags and session.
ALTER TABLE tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tokens ADD COLUMN feature_flags TEXT;
ALTER TABLE tokens ADD COLUMN session_id TEXT;
CREATE INDEX tokens_app ON tokens (app_id) WHERE app_id IS NOT NULL;
