-- Articles (berita desa), their revisions and workflow history, the KIM's own content
-- settings, screening results and moderation cases.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- What a KIM's officers decide for their own articles (defaults when no row exists).
CREATE TABLE kim_content_settings (
    kim_id           uuid PRIMARY KEY,
    editor_review    boolean NOT NULL DEFAULT false,  -- a KIM editor reviews before Diskominfo
    extra_villages   text[] NOT NULL DEFAULT '{}',     -- villages outside the kecamatan it covers
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       text NOT NULL
);

CREATE TABLE articles (
    id                  uuid PRIMARY KEY,
    kim_id              uuid NOT NULL,
    kabupaten_code      text NOT NULL,
    kecamatan_code      text NOT NULL,
    village_code        text NOT NULL,
    category            text NOT NULL CHECK (category IN
                        ('kegiatan_desa', 'kebijakan_pengumuman', 'umkm', 'potensi_desa', 'agenda')),
    author_subject      text NOT NULL,
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN
                        ('draft', 'editor_review', 'diskominfo_review', 'scheduled', 'published',
                         'rejected', 'taken_down')),
    hidden              boolean NOT NULL DEFAULT false,   -- hidden by reader reports, pending review
    current_revision    integer NOT NULL DEFAULT 1,
    submitted_revision  integer,
    published_revision  integer,
    scheduled_at        timestamptz,
    first_published_at  timestamptz,
    published_at        timestamptz,
    reason_code         text,      -- of the latest rejection or takedown
    feedback            text CHECK (length(feedback) <= 2000),
    state_sequence      integer NOT NULL DEFAULT 0,  -- snapshots on the article state topic
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    search_document     tsvector,  -- Sastrawi-stemmed title, tags and text of the published revision
    search_title        text,      -- the published title, lower case, for trigram matching
    CHECK (kabupaten_code = split_part(village_code, '.', 1) || '.' || split_part(village_code, '.', 2)),
    CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL),
    CHECK (status NOT IN ('published', 'taken_down') OR published_revision IS NOT NULL)
);

CREATE INDEX articles_kim ON articles (kim_id, updated_at DESC);
CREATE INDEX articles_author ON articles (author_subject, updated_at DESC);
CREATE INDEX articles_due ON articles (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX articles_public ON articles (village_code text_pattern_ops, published_at DESC)
    WHERE status = 'published' AND NOT hidden;
CREATE INDEX articles_public_recent ON articles (published_at DESC, id)
    WHERE status = 'published' AND NOT hidden;
CREATE INDEX articles_search ON articles USING gin (search_document)
    WHERE status = 'published' AND NOT hidden;
CREATE INDEX articles_search_title ON articles USING gin (search_title gin_trgm_ops)
    WHERE status = 'published' AND NOT hidden;

CREATE TABLE article_revisions (
    article_id         uuid NOT NULL REFERENCES articles (id),
    number             integer NOT NULL CHECK (number >= 1),
    title              text NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
    body               text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
    category           text NOT NULL,
    village_code       text NOT NULL,
    agenda_date        date,
    agenda_place       text CHECK (length(agenda_place) <= 200),
    cover              jsonb,                       -- {"url", "alt"}
    media              jsonb NOT NULL DEFAULT '[]', -- [{"url", "caption", "alt"}]
    tags               text[] NOT NULL DEFAULT '{}',
    shows_children     boolean NOT NULL DEFAULT false,
    consent_reference  text CHECK (length(consent_reference) <= 100),
    consent_recorded_at date,
    scheduled_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text NOT NULL,
    PRIMARY KEY (article_id, number),
    CHECK ((category = 'agenda') = (agenda_date IS NOT NULL))
);

-- Every step of the workflow: who (login subject and the role that allowed it), when, why.
CREATE TABLE article_transitions (
    id           bigserial PRIMARY KEY,
    article_id   uuid NOT NULL REFERENCES articles (id),
    revision     integer NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    action       text NOT NULL,
    actor        text NOT NULL,   -- login subject, or 'system' (screening, scheduler)
    actor_role   text NOT NULL,
    reason_code  text,
    note         text CHECK (length(note) <= 2000),
    at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX article_transitions_article ON article_transitions (article_id, id);

-- The stored result of each automatic screening (rule by rule, with offsets, no matched text).
CREATE TABLE screenings (
    id            bigserial PRIMARY KEY,
    subject_type  text NOT NULL CHECK (subject_type IN ('article', 'listing')),
    subject_id    uuid NOT NULL,
    revision      integer NOT NULL,
    verdict       text NOT NULL CHECK (verdict IN ('clean', 'flag', 'review', 'block')),
    result        jsonb NOT NULL,
    screened_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX screenings_subject ON screenings (subject_type, subject_id, id DESC);

-- A moderation case: one piece of content waiting for a human decision, with a deadline.
CREATE TABLE moderation_cases (
    id              uuid PRIMARY KEY,
    subject_type    text NOT NULL CHECK (subject_type IN ('article', 'listing')),
    subject_id      uuid NOT NULL,
    revision        integer NOT NULL,
    kabupaten_code  text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('submission', 'report', 'appeal')),
    urgent          boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided', 'withdrawn')),
    screening_id    bigint REFERENCES screenings (id),
    deadline        timestamptz NOT NULL,
    claimed_by      text,
    claimed_at      timestamptz,
    decision        text CHECK (decision IN ('approved', 'rejected', 'dismissed', 'upheld')),
    reason_code     text,
    decided_by      text,
    decided_at      timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((claimed_by IS NULL) = (claimed_at IS NULL))
);

CREATE INDEX moderation_queue ON moderation_cases (kabupaten_code, deadline) WHERE status = 'open';
CREATE UNIQUE INDEX moderation_one_open_case ON moderation_cases (subject_type, subject_id, kind)
    WHERE status = 'open';

-- The audit log of moderation: every claim, release, decision and note.
CREATE TABLE moderation_audit (
    id         bigserial PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES moderation_cases (id),
    action     text NOT NULL,
    actor      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}',
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX moderation_audit_case ON moderation_audit (case_id, id);
