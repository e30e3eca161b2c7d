-- Due pending deliveries per endpoint, for leases taken at insert: a new delivery must not overtake older due work
-- of its own endpoint, and the check must not hold up the other endpoints (a hung endpoint's backlog). Rows leased at
-- insert (status 3) never enter it.
CREATE INDEX deliveries_pending ON deliveries (endpoint_id, due_at) WHERE status = 1;
