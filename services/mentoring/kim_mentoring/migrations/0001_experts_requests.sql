-- Diskominfo experts (tenaga ahli / pendamping), the help requests KIM open, and the sessions
-- scheduled for them. A request's description and who opened it stay in this service.

CREATE TABLE experts (
    subject          text PRIMARY KEY,              -- the expert's (pendamping) login
    kabupaten_code   text NOT NULL,
    skills           text[] NOT NULL CHECK (cardinality(skills) >= 1 AND skills <@ ARRAY
                     ['jurnalistik', 'fotografi', 'videografi', 'media_sosial', 'kehumasan',
                      'pemasaran_digital', 'desain']::text[]),
    weekly_capacity  integer NOT NULL CHECK (weekly_capacity >= 1),
    active           boolean NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX experts_kabupaten ON experts (kabupaten_code, subject);

CREATE TABLE help_requests (
    id              uuid PRIMARY KEY,
    kim_id          uuid NOT NULL,
    kabupaten_code  text NOT NULL,
    skill           text NOT NULL,
    description     text NOT NULL,
    mode            text NOT NULL CHECK (mode IN ('online', 'kunjungan', 'kantor')),
    urgency         text NOT NULL CHECK (urgency IN ('rendah', 'sedang', 'tinggi')),
    status          text NOT NULL CHECK (status IN
                    ('requested', 'assigned', 'scheduled', 'done', 'cancelled')),
    expert_subject  text REFERENCES experts (subject),
    opened_by       text NOT NULL,
    opened_at       timestamptz NOT NULL,
    sla_due_at      timestamptz NOT NULL,
    assigned_at     timestamptz,
    outcome         text,
    rating          smallint CHECK (rating BETWEEN 1 AND 5),
    closed_at       timestamptz,
    version         integer NOT NULL DEFAULT 1,
    CHECK (status = 'requested' OR status = 'cancelled' OR expert_subject IS NOT NULL),
    CHECK (status <> 'done' OR (outcome IS NOT NULL AND rating IS NOT NULL))
);

CREATE INDEX help_requests_expert ON help_requests (expert_subject, status)
    WHERE expert_subject IS NOT NULL;
CREATE INDEX help_requests_kabupaten ON help_requests (kabupaten_code, opened_at DESC, id);

-- Double-booking is prevented by locking the expert's row while checking for overlaps.
CREATE TABLE help_sessions (
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    expert_subject  text NOT NULL REFERENCES experts (subject),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE INDEX help_sessions_expert ON help_sessions (expert_subject, starts_at);
