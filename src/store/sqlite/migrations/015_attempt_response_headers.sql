-- The receiver's response headers for the attempt log: JSON text of [name, value] pairs, bounded by the sender
-- (64 headers, 8 KiB). NULL for attempts without an HTTP response and for attempts made before this column.
ALTER TABLE attempts ADD COLUMN response_headers TEXT;
