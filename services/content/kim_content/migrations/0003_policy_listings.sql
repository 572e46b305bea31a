-- The screening policy of each kabupaten as data (rules, watched words, an audit of every
-- change) and the marketplace listings under moderation.

-- A kabupaten that has its own policy. Without a row here it screens with the platform
-- defaults; its first change copies the defaults into its own rows and edits those.
CREATE TABLE screening_policies (
    kabupaten_code  text PRIMARY KEY,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE screening_rules (
    kabupaten_code  text NOT NULL REFERENCES screening_policies (kabupaten_code),
    rule_id         text NOT NULL,
    position        integer NOT NULL,
    kind            text NOT NULL,
    action          text NOT NULL CHECK (action IN ('block', 'review', 'flag', 'censor')),
    params          jsonb NOT NULL DEFAULT '{}',
    enabled         boolean NOT NULL DEFAULT true,
    description_id  text NOT NULL DEFAULT '',
    PRIMARY KEY (kabupaten_code, rule_id)
);

CREATE TABLE watched_words (
    kabupaten_code  text NOT NULL REFERENCES screening_policies (kabupaten_code),
    word            text NOT NULL CHECK (length(word) BETWEEN 2 AND 100),
    action          text NOT NULL CHECK (action IN ('block', 'review', 'flag', 'censor')),
    category        text NOT NULL,
    affixes         boolean NOT NULL DEFAULT true,
    PRIMARY KEY (kabupaten_code, word)
);

-- Who changed what in a kabupaten's policy, when: the row before and after (null when
-- added or removed).
CREATE TABLE policy_changes (
    id              bigserial PRIMARY KEY,
    kabupaten_code  text NOT NULL,
    target          text NOT NULL CHECK (target IN ('word', 'rule')),
    key             text NOT NULL,
    actor           text NOT NULL,
    actor_role      text NOT NULL,
    before          jsonb,
    after           jsonb,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX policy_changes_kabupaten ON policy_changes (kabupaten_code, id DESC);

-- The latest screened revision of each marketplace listing and where its moderation stands.
-- Only what was screened is kept (no seller name or contact: the seller is an id).
CREATE TABLE listings_under_review (
    listing_id      uuid PRIMARY KEY,
    revision        integer NOT NULL CHECK (revision >= 1),
    kabupaten_code  text NOT NULL,
    village_code    text NOT NULL,
    title           text NOT NULL,
    description     text NOT NULL,
    photo_urls      text[] NOT NULL DEFAULT '{}',
    seller_id       uuid NOT NULL,
    kim_id          uuid,
    status          text NOT NULL CHECK (status IN ('in_review', 'approved', 'rejected')),
    screening_id    bigint REFERENCES screenings (id),
    reason_code     text,
    submitted_at    timestamptz NOT NULL,
    decided_at      timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX listings_under_review_kabupaten ON listings_under_review (kabupaten_code, status);
