-- Outbox rows the broker can never take (too large, topic missing or forbidden) are
-- parked with their error instead of stalling the relay; `kim outbox list|retry` shows
-- and releases them. Later rows of the same topic and key wait behind a parked row, so
-- per-aggregate order holds. `attempts` counts publications the broker refused for the
-- row (outages and timeouts do not count); a row refused once is sent alone next time,
-- so a refusal of a whole batch is pinned on the row that caused it.
ALTER TABLE outbox
    ADD COLUMN attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN parked_at  timestamptz;

-- What the relay claims: unsent and not parked, in id order. Replaces outbox_pending.
CREATE INDEX outbox_ready ON outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL;
DROP INDEX outbox_pending;

-- Parked rows, by the key they hold back (few rows: the claim's anti-join is cheap).
CREATE INDEX outbox_parked ON outbox (topic, key, id)
    WHERE parked_at IS NOT NULL AND sent_at IS NULL;

-- Housekeeping purges (kim_shared.housekeeping): sent outbox rows and inbox rows past
-- their retention windows, found through these indexes instead of a full scan.
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX inbox_processed_at ON inbox (processed_at);
