-- Svix app-portal token options: read-only portals, feature flags and the session a token belongs to
-- (expire-all can target sessions).
ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN feature_flags TEXT;
ALTER TABLE tokens ADD COLUMN session_id TEXT;
CREATE INDEX tokens_app ON tokens (app_id) WHERE app_id IS NOT NULL;
