-- Svix transformations: the endpoint's JavaScript handler and whether it runs ({code, enabled, updatedAt} JSON).
ALTER TABLE endpoints ADD COLUMN transformation TEXT;
