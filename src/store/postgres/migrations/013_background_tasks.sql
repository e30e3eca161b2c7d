-- As SQLite's 013: Svix background tasks with their request, progress and resume cursor.
CREATE TABLE background_tasks (
  id TEXT PRIMARY KEY,
  app_id TEXT REFERENCES applications(id) ON DELETE CASCADE,
  endpoint_id TEXT REFERENCES endpoints(id) ON DELETE CASCADE,
  task TEXT NOT NULL,
  status TEXT NOT NULL,
  params TEXT NOT NULL,
  data TEXT NOT NULL,
  cursor TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX background_tasks_running ON background_tasks (id) WHERE status = 'running';
