-- The help-request lists (GET /help-requests): a KIM's requests, and a kabupaten's by SLA
-- deadline (the default order), each a keyset page.
CREATE INDEX help_requests_kim ON help_requests (kim_id, opened_at DESC, id);
CREATE INDEX help_requests_sla ON help_requests (kabupaten_code, sla_due_at, id);
