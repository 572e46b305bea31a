-- Trainings (diklat, bimtek, sosialisasi), registrations with a waitlist, attendance per day
-- and certificates. Participants' names and logins stay here (never in an event).
-- Registration, cancellation and promotion lock the training row (FOR UPDATE), so the seat
-- count and the waitlist change one at a time per training; a cancellation is a conditional
-- status change, so a registration is cancelled, and its seat passed on, once.

CREATE TABLE trainings (
    id               uuid PRIMARY KEY,
    title            text NOT NULL,
    skill            text NOT NULL CHECK (skill IN ('jurnalistik', 'fotografi', 'videografi',
                     'media_sosial', 'kehumasan', 'pemasaran_digital', 'desain')),
    level            text NOT NULL,
    kabupaten_code   text NOT NULL,
    venue            text,
    online_url       text,
    starts_on        date NOT NULL,
    ends_on          date NOT NULL,
    capacity         integer NOT NULL CHECK (capacity >= 1),
    waitlist         boolean NOT NULL,
    audience         text NOT NULL,
    prerequisites    text,
    required_days    integer NOT NULL CHECK (required_days >= 1),
    status           text NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'completed', 'cancelled')),
    confirmed        integer NOT NULL DEFAULT 0,
    state_sequence   integer NOT NULL DEFAULT 0,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (venue IS NOT NULL OR online_url IS NOT NULL),
    CHECK (confirmed BETWEEN 0 AND capacity),
    CHECK (required_days <= ends_on - starts_on + 1)
);

CREATE INDEX trainings_kabupaten ON trainings (kabupaten_code, starts_on);
CREATE INDEX trainings_starts ON trainings (starts_on, id);

CREATE TABLE training_registrations (
    id                uuid PRIMARY KEY,
    training_id       uuid NOT NULL REFERENCES trainings (id),
    kim_id            uuid NOT NULL,
    member_id         uuid NOT NULL,
    subject           text NOT NULL,
    participant_name  text NOT NULL,           -- as printed on the certificate
    status            text NOT NULL CHECK (status IN
                      ('confirmed', 'waitlisted', 'cancelled', 'completed')),
    promoted          boolean NOT NULL DEFAULT false,
    registered_at     timestamptz NOT NULL,
    confirmed_at      timestamptz,
    cancelled_at      timestamptz,
    completed_at      timestamptz
);

-- One live registration per person and training.
CREATE UNIQUE INDEX training_registrations_once ON training_registrations (training_id, subject)
    WHERE status <> 'cancelled';
CREATE INDEX training_registrations_queue ON training_registrations (training_id, registered_at, id)
    WHERE status = 'waitlisted';

CREATE TABLE training_attendance (
    registration_id  uuid NOT NULL REFERENCES training_registrations (id),
    day              date NOT NULL,
    recorded_by      text NOT NULL,
    recorded_at      timestamptz NOT NULL,
    PRIMARY KEY (registration_id, day)
);

CREATE TABLE certificates (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE,    -- secrets.token_urlsafe: cannot be guessed
    registration_id   uuid NOT NULL UNIQUE REFERENCES training_registrations (id),
    training_id       uuid NOT NULL REFERENCES trainings (id),
    participant_name  text NOT NULL,
    training_title    text NOT NULL,
    completed_on      date NOT NULL,
    issuer            text NOT NULL,
    issued_at         timestamptz NOT NULL
);
