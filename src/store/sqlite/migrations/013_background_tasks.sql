-- Svix background tasks (recover, replay-missing, bulk replay, event-type export): their request, progress shown
-- to the user, and the last message handled so a task interrupted by a restart resumes where it stopped.
CREATE TABLE background_tasks (
  id TEXT PRIMARY KEY,
  app_id TEXT REFERENCES applications(id) ON DELETE CASCADE,
  endpoint_id TEXT REFERENCES endpoints(id) ON DELETE CASCADE,
  task TEXT NOT NULL,
  status TEXT NOT NULL,
  params TEXT NOT NULL,
  data TEXT NOT NULL,
  cursor TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX background_tasks_running ON background_tasks (id) WHERE status = 'running';
