-- Circuit breaker state per endpoint: consecutive failed attempts, and until when claims skip it.
ALTER TABLE endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_open_until INTEGER;
