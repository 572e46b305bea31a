-- Proactive rules: settings per kabupaten, the once-per-cause ledger of rule firings, the
-- rejections the rejected-articles rule counts, onboarding trainings and invitations, and
-- the origin of help requests (a KIM member, or the system on behalf of a rule).

ALTER TABLE trainings ADD COLUMN onboarding boolean NOT NULL DEFAULT false;
CREATE INDEX trainings_onboarding ON trainings (kabupaten_code, starts_on, id)
    WHERE onboarding AND status = 'scheduled';

ALTER TABLE help_requests
    ADD COLUMN origin text NOT NULL DEFAULT 'member' CHECK (origin IN ('member', 'system')),
    ADD COLUMN rule text CHECK (rule IN ('onboarding', 'rejected_articles', 'lowest_band')),
    ADD CONSTRAINT help_requests_system_rule CHECK ((origin = 'system') = (rule IS NOT NULL));

-- No row: the defaults of kim_mentoring.proactive.domain apply (version 0).
CREATE TABLE proactive_settings (
    kabupaten_code          text PRIMARY KEY,
    onboarding_enabled      boolean NOT NULL,
    onboarding_skill        text NOT NULL,
    rejections_enabled      boolean NOT NULL,
    rejections_threshold    integer NOT NULL CHECK (rejections_threshold >= 1),
    rejections_window_days  integer NOT NULL CHECK (rejections_window_days BETWEEN 1 AND 365),
    skill_by_reason         jsonb NOT NULL,
    lowest_band_enabled     boolean NOT NULL,
    lowest_band_skill       text NOT NULL,
    version                 integer NOT NULL DEFAULT 1,
    updated_by              text NOT NULL,
    updated_at              timestamptz NOT NULL
);

-- One row per rule and cause: the unique key is what makes a rule fire once per cause, also
-- when the cause arrives again under a new event id (a replay, a re-published event).
CREATE TABLE proactive_firings (
    id              uuid PRIMARY KEY,
    rule            text NOT NULL CHECK (rule IN ('onboarding', 'rejected_articles', 'lowest_band')),
    cause_key       text NOT NULL,
    kim_id          uuid NOT NULL,
    kabupaten_code  text NOT NULL,
    request_id      uuid REFERENCES help_requests (id),
    training_id     uuid REFERENCES trainings (id),
    band            text,                          -- lowest band: the band and period
    period_id       uuid,
    fired_at        timestamptz NOT NULL,
    UNIQUE (rule, cause_key)
);

CREATE INDEX proactive_firings_kim ON proactive_firings (kim_id, fired_at DESC);

-- Every rejection of a KIM's article, once (key: article and revision). A rejection counts
-- towards one firing at most: the firing that consumed it is recorded on it.
CREATE TABLE proactive_rejections (
    rejection_key  text PRIMARY KEY,
    kim_id         uuid NOT NULL,
    article_id     uuid NOT NULL,
    reason_code    text NOT NULL,
    rejected_at    timestamptz NOT NULL,
    firing_id      uuid REFERENCES proactive_firings (id)
);

CREATE INDEX proactive_rejections_open ON proactive_rejections (kim_id, rejected_at)
    WHERE firing_id IS NULL;

-- A KIM invited to a training: the officers on its roster when the invitation was made (ids
-- only); any current officer of the KIM sees the invitation.
CREATE TABLE training_invitations (
    training_id  uuid NOT NULL REFERENCES trainings (id),
    kim_id       uuid NOT NULL,
    member_ids   uuid[] NOT NULL,
    firing_id    uuid NOT NULL REFERENCES proactive_firings (id),
    invited_at   timestamptz NOT NULL,
    PRIMARY KEY (training_id, kim_id)
);

CREATE INDEX training_invitations_kim ON training_invitations (kim_id, invited_at DESC);
