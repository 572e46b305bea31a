-- Idempotency-Key answers keep no personal data (UU 27/2022 PDP): a command
-- that creates a resource stores only the resource id, status and headers, and
-- a replay renders the resource again for the caller. Stored answers written
-- before this change may hold personal data (a new member's NIK and phone), so
-- they are dropped; keys live 24 hours anyway.
ALTER TABLE idempotency_keys ADD COLUMN resource_id text;
DELETE FROM idempotency_keys;
