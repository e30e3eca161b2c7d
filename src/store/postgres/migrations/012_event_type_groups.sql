-- As SQLite's 012: event type groups and several feature flags (JSON array text); the single flag becomes a list.
ALTER TABLE event_types ADD COLUMN group_name TEXT;
ALTER TABLE event_types ADD COLUMN feature_flags TEXT;
UPDATE event_types SET feature_flags = json_build_array(feature_flag)::text, feature_flag = NULL
  WHERE feature_flag IS NOT NULL;
