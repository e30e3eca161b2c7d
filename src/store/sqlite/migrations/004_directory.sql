-- Participant directory (per application): identifier issuers, attribute definitions, participants,
-- CSV import jobs, external distributions and their recipients.
CREATE TABLE issuers (
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id)
);

CREATE TABLE attributes (
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  label TEXT NOT NULL,
  value_type TEXT NOT NULL,
  choices TEXT,
  system_defined INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id),
  UNIQUE (app_id, label)
);

CREATE TABLE participants (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  attributes TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  consent_given INTEGER NOT NULL DEFAULT 0,
  consent_at INTEGER,
  consent_source TEXT,
  unsubscribed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX participants_app ON participants (app_id, id);

CREATE TABLE participant_identifiers (
  app_id TEXT NOT NULL,
  issuer TEXT NOT NULL,
  external_id TEXT NOT NULL,
  participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  PRIMARY KEY (app_id, issuer, external_id)
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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
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
  created_at INTEGER NOT NULL
);
CREATE INDEX distributions_app ON distributions (app_id, id);

CREATE TABLE distribution_recipients (
  distribution_id TEXT NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
  participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  msg_id TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  responded_at INTEGER,
  PRIMARY KEY (distribution_id, participant_id)
);
CREATE INDEX distribution_recipients_chat ON distribution_recipients (chat_id);
