-- The same schema as SQLite's migrations 001-004 at the time PostgreSQL arrived, in PostgreSQL types: times are
-- epoch milliseconds (BIGINT), flags BOOLEAN, structured values JSON text (the row mappers are shared).
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL CONSTRAINT tokens_hash_key UNIQUE,
  app_id TEXT,
  expires_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  uid TEXT CONSTRAINT applications_uid_key UNIQUE,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  throttle_rate INTEGER,
  require_https BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE event_types (
  name TEXT CONSTRAINT event_types_pkey PRIMARY KEY,
  description TEXT NOT NULL,
  archived BOOLEAN NOT NULL DEFAULT false,
  deprecated BOOLEAN NOT NULL DEFAULT false,
  schemas TEXT,
  feature_flag TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  disabled BOOLEAN NOT NULL DEFAULT false,
  event_types TEXT,
  channels TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  throttle_rate INTEGER,
  headers TEXT NOT NULL DEFAULT '{}',
  secrets_sealed TEXT NOT NULL,
  failing_since BIGINT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  circuit_open_until BIGINT,
  delivery_options TEXT NOT NULL DEFAULT '{}',
  credentials_sealed TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT endpoints_app_uid_key UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_app ON endpoints (app_id, id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  event_id TEXT,
  channels TEXT,
  payload TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX messages_app ON messages (app_id, id);
CREATE INDEX messages_expiry ON messages (expires_at) WHERE payload IS NOT NULL;

CREATE TABLE deliveries (
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  status SMALLINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at BIGINT,
  trigger_type SMALLINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (msg_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status IN (1, 3);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);

CREATE TABLE attempts (
  id TEXT PRIMARY KEY,
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  status SMALLINT NOT NULL,
  response_status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  trigger_type SMALLINT NOT NULL,
  created_at BIGINT NOT NULL,
  request TEXT
);
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);

CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  status_code INTEGER,
  body TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE issuers (
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  CONSTRAINT issuers_pkey PRIMARY KEY (app_id, id)
);

CREATE TABLE attributes (
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  label TEXT NOT NULL,
  value_type TEXT NOT NULL,
  choices TEXT,
  system_defined BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT attributes_pkey PRIMARY KEY (app_id, id),
  CONSTRAINT attributes_label_key UNIQUE (app_id, label)
);

CREATE TABLE participants (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  attributes TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  consent_given BOOLEAN NOT NULL DEFAULT false,
  consent_at BIGINT,
  consent_source TEXT,
  unsubscribed_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX participants_app ON participants (app_id, id);

CREATE TABLE participant_identifiers (
  app_id TEXT NOT NULL,
  issuer TEXT NOT NULL,
  external_id TEXT NOT NULL,
  participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  CONSTRAINT participant_identifiers_pkey PRIMARY KEY (app_id, issuer, external_id)
);
CREATE INDEX participant_identifiers_participant ON participant_identifiers (participant_id);

CREATE TABLE imports (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  options TEXT NOT NULL,
  file TEXT,
  rows_read INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  errors TEXT NOT NULL DEFAULT '[]',
  message TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE distributions (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  distribution_type TEXT NOT NULL,
  message TEXT NOT NULL,
  chat_url TEXT NOT NULL,
  domain_brand_name TEXT NOT NULL,
  audience TEXT NOT NULL DEFAULT '{}',
  reminder_of TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX distributions_app ON distributions (app_id, id);

CREATE TABLE distribution_recipients (
  distribution_id TEXT NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
  participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  msg_id TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  responded_at BIGINT,
  PRIMARY KEY (distribution_id, participant_id)
);
CREATE INDEX distribution_recipients_chat ON distribution_recipients (chat_id);
