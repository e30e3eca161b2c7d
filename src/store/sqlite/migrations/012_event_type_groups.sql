-- Today's Svix event types: a group name and several feature flags (JSON array). The single `feature_flag` of the
-- open-source API becomes a one-element list; the old column is no longer read.
ALTER TABLE event_types ADD COLUMN group_name TEXT;
ALTER TABLE event_types ADD COLUMN feature_flags TEXT;
UPDATE event_types SET feature_flags = json_array(feature_flag), feature_flag = NULL WHERE feature_flag IS NOT NULL;
