-- Activity facts from other services (projection), evaluation periods and results, targets.

CREATE TABLE kim_activity (
    kim_id                 uuid NOT NULL,
    kind                   text NOT NULL CHECK (kind IN ('article_published', 'article_rejected',
                              'listing_published', 'order_completed', 'training_attended',
                              'request_resolved')),
    source_id              uuid NOT NULL,  -- article, listing, order, training or request id
    occurred_at            timestamptz NOT NULL,
    PRIMARY KEY (kind, source_id, kim_id)
);

CREATE INDEX kim_activity_kim_time ON kim_activity (kim_id, occurred_at);

CREATE TABLE evaluation_periods (
    id              uuid PRIMARY KEY,
    kabupaten_code  text NOT NULL REFERENCES regions (code),
    name            text NOT NULL CHECK (length(name) BETWEEN 3 AND 150),
    starts_on       date NOT NULL,
    ends_on         date NOT NULL CHECK (ends_on >= starts_on),
    criteria        jsonb NOT NULL,  -- [{key, label, weight, source: jury|auto, metric?, target?}]
    bands           jsonb NOT NULL,  -- [{band, min_score}] highest first
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finalized')),
    version         integer NOT NULL DEFAULT 1,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finalized_at    timestamptz
);

CREATE INDEX evaluation_periods_kabupaten ON evaluation_periods (kabupaten_code, starts_on);

CREATE TABLE jury_scores (
    period_id     uuid NOT NULL REFERENCES evaluation_periods (id),
    kim_id        uuid NOT NULL REFERENCES kim (id),
    criterion     text NOT NULL,
    score         numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    note          text CHECK (length(note) <= 1000),
    scored_by     text NOT NULL,
    scored_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_id, kim_id, criterion)
);

CREATE TABLE evaluations (
    period_id     uuid NOT NULL REFERENCES evaluation_periods (id),
    kim_id        uuid NOT NULL REFERENCES kim (id),
    score         numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    band          text NOT NULL,
    breakdown     jsonb NOT NULL,  -- {criterion: score}
    evaluated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_id, kim_id)
);

CREATE TABLE targets (
    id               uuid PRIMARY KEY,
    region_code      text NOT NULL REFERENCES regions (code),
    label            text NOT NULL CHECK (length(label) BETWEEN 3 AND 200),
    due_on           date NOT NULL,
    villages_target  integer CHECK (villages_target >= 0),  -- NULL: every desa and kelurahan
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX targets_region_due ON targets (region_code, due_on);
