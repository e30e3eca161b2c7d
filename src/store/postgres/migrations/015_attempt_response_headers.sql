-- As SQLite's 015: the receiver's response headers for the attempt log (JSON text of [name, value] pairs).
ALTER TABLE attempts ADD COLUMN response_headers TEXT;
