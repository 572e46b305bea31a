-- Reader reports and author appeals: each leads to a moderation case in the kabupaten's queue.

-- One report per reader per article and round: a round ends when its report case is decided
-- (the reports are then resolved and the article may be reported again).
CREATE TABLE article_reports (
    id           bigserial PRIMARY KEY,
    article_id   uuid NOT NULL REFERENCES articles (id),
    reporter     text NOT NULL,   -- login subject of the reader
    reason_code  text NOT NULL,
    note         text CHECK (length(note) <= 1000),
    case_id      uuid REFERENCES moderation_cases (id),
    resolved     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX article_reports_one_per_reader ON article_reports (article_id, reporter)
    WHERE NOT resolved;

-- An author's appeal against a rejection, a hiding or a takedown.
CREATE TABLE appeals (
    id           uuid PRIMARY KEY,
    article_id   uuid NOT NULL REFERENCES articles (id),
    case_id      uuid NOT NULL REFERENCES moderation_cases (id),
    author       text NOT NULL,
    statement    text NOT NULL CHECK (length(statement) BETWEEN 1 AND 2000),
    from_status  text NOT NULL CHECK (from_status IN ('rejected', 'hidden', 'taken_down')),
    reason_code  text,            -- the reason the author appeals against
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'granted', 'denied')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz
);

CREATE UNIQUE INDEX appeals_one_open ON appeals (article_id) WHERE status = 'open';
CREATE INDEX appeals_case ON appeals (case_id);
