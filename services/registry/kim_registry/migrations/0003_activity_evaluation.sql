-- Activity facts from other services (projection), evaluation periods and results, targets.

-- One row per fact: a published/rejected article, a listing published, an order completed, a
-- training attended or a help request resolved. The key makes replays no-ops. Only facts about
-- KIM the registry knows are kept (handlers dead-letter unknown ids), hence no foreign key.
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
    criteria        jsonb NOT NULL,  -- [{key, label, weight, source: jury|auto, metrics, target}]
    bands           jsonb NOT NULL,  -- [{band, min_score}] highest first, the last one at 0
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finalized')),
    version         integer NOT NULL DEFAULT 1,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finalized_at    timestamptz,
    finalized_by    text
);

CREATE INDEX evaluation_periods_kabupaten ON evaluation_periods (kabupaten_code, starts_on);

-- A jury's score sheet for one KIM in one period: its version is the ETag of the sheet.
CREATE TABLE jury_sheets (
    period_id     uuid NOT NULL REFERENCES evaluation_periods (id),
    kim_id        uuid NOT NULL REFERENCES kim (id),
    version       integer NOT NULL DEFAULT 1,
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_id, kim_id)
);

CREATE TABLE jury_scores (
    period_id     uuid NOT NULL,
    kim_id        uuid NOT NULL,
    criterion     text NOT NULL,
    score         numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    note          text CHECK (length(note) <= 1000),
    scored_by     text NOT NULL,
    scored_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_id, kim_id, criterion),
    FOREIGN KEY (period_id, kim_id) REFERENCES jury_sheets (period_id, kim_id)
);

CREATE TABLE evaluations (
    period_id     uuid NOT NULL REFERENCES evaluation_periods (id),
    kim_id        uuid NOT NULL REFERENCES kim (id),
    score         numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    band          text NOT NULL,
    breakdown     jsonb NOT NULL,  -- {criterion: score 0-100}
    metrics       jsonb NOT NULL DEFAULT '{}'::jsonb,  -- {activity kind: count in the period}
    jury_missing  text[] NOT NULL DEFAULT '{}',  -- jury criteria without a score (counted as 0)
    evaluated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_id, kim_id)
);

CREATE INDEX evaluations_kim ON evaluations (kim_id);

-- Coverage targets. A plain target counts villages with an active KIM in region_code; a
-- per_kecamatan target (on a provinsi or kabupaten) asks it of every kecamatan below.
CREATE TABLE targets (
    id               uuid PRIMARY KEY,
    region_code      text NOT NULL REFERENCES regions (code),
    label            text NOT NULL CHECK (length(label) BETWEEN 3 AND 200),
    due_on           date NOT NULL,
    villages_target  integer CHECK (villages_target >= 0),  -- NULL: every desa and kelurahan
    per_kecamatan    boolean NOT NULL DEFAULT false,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX targets_region_due ON targets (region_code text_pattern_ops, due_on);

-- Coverage: villages with an active KIM, found without touching the other statuses.
CREATE INDEX kim_active_village ON kim (village_code text_pattern_ops) WHERE status = 'aktif';
