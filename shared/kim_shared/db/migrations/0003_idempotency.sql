-- Idempotency-Key support for HTTP creates (kim_shared.http.idempotency).
-- A row is written in the same transaction as the business change it answers
-- for, so a stored response always has its effect and vice versa. Rows older
-- than the retention window (24h) are ignored and purged.
CREATE TABLE idempotency_keys (
    scope            text NOT NULL,         -- principal subject + method + path
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint      text NOT NULL,         -- sha256 hex of the request body
    response_status  integer NOT NULL,
    response_body    jsonb,
    response_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
