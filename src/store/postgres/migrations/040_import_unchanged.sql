-- Rows that matched an existing participant and changed nothing, reported apart from updates.
ALTER TABLE imports ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
-- Listing an application's import jobs, newest first.
CREATE INDEX imports_by_app ON imports (app_id, id);
