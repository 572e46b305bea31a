-- KIM groups, their lifecycle history, members (pengurus and anggota) and per-kabupaten rules.

CREATE TABLE kabupaten_rules (
    kabupaten_code       text PRIMARY KEY REFERENCES regions (code),
    max_kim_per_village  integer NOT NULL DEFAULT 1 CHECK (max_kim_per_village BETWEEN 1 AND 10),
    required_positions   text[] NOT NULL DEFAULT ARRAY['ketua', 'sekretaris', 'bendahara'],
    min_members          integer NOT NULL DEFAULT 3 CHECK (min_members >= 1),
    max_members          integer NOT NULL DEFAULT 100 CHECK (max_members >= min_members),
    dormant_after_days   integer NOT NULL DEFAULT 180 CHECK (dormant_after_days BETWEEN 7 AND 3650),
    version              integer NOT NULL DEFAULT 1,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           text
);

CREATE TABLE kim (
    id               uuid PRIMARY KEY,
    name             text NOT NULL CHECK (length(name) BETWEEN 3 AND 150),
    village_code     text NOT NULL REFERENCES regions (code),
    kabupaten_code   text NOT NULL,  -- first two segments of village_code, for tenancy filters
    status           text NOT NULL DEFAULT 'calon'
                     CHECK (status IN ('calon', 'aktif', 'tidak_aktif', 'dibubarkan')),
    founded_on       date,
    sk_number        text CHECK (length(sk_number) <= 100),
    sk_date          date,
    sk_issuer        text CHECK (sk_issuer IN ('kepala_desa', 'lurah', 'camat', 'diskominfo')),
    legal_basis      text CHECK (length(legal_basis) <= 300),
    contact_channel  text CHECK (length(contact_channel) <= 200),
    links            jsonb NOT NULL DEFAULT '[]'::jsonb,
    kim_id_number    text CHECK (length(kim_id_number) <= 50),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (kabupaten_code = split_part(village_code, '.', 1) || '.' || split_part(village_code, '.', 2))
);

CREATE INDEX kim_village ON kim (village_code);
CREATE INDEX kim_kabupaten_status ON kim (kabupaten_code, status);

CREATE TABLE kim_status_history (
    id           bigserial PRIMARY KEY,
    kim_id       uuid NOT NULL REFERENCES kim (id),
    from_status  text,
    to_status    text NOT NULL,
    reason       text CHECK (length(reason) <= 500),
    changed_by   text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX kim_status_history_kim ON kim_status_history (kim_id, id);

CREATE TABLE members (
    id                     uuid PRIMARY KEY,
    kim_id                 uuid NOT NULL REFERENCES kim (id),
    full_name              text NOT NULL CHECK (length(full_name) BETWEEN 2 AND 150),
    nik                    text NOT NULL CHECK (nik ~ '^\d{16}$'),
    phone                  text CHECK (length(phone) <= 20),
    gender                 char(1) NOT NULL CHECK (gender IN ('L', 'P')),
    birth_year             integer NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    user_subject           text CHECK (length(user_subject) <= 200),
    position               text NOT NULL
                           CHECK (position IN ('ketua', 'wakil_ketua', 'sekretaris', 'bendahara', 'anggota')),
    term_start             date NOT NULL,
    term_end               date CHECK (term_end IS NULL OR term_end >= term_start),
    appointment_sk_number  text CHECK (length(appointment_sk_number) <= 100),
    appointment_sk_date    date,
    left_on                date,
    left_reason            text CHECK (length(left_reason) <= 500),
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- A person serves a KIM once at a time; one holder per officer position.
CREATE UNIQUE INDEX members_one_person_per_kim ON members (kim_id, nik) WHERE left_on IS NULL;
CREATE UNIQUE INDEX members_one_officer_per_position ON members (kim_id, position)
    WHERE left_on IS NULL AND position <> 'anggota';
CREATE INDEX members_kim ON members (kim_id) WHERE left_on IS NULL;
CREATE INDEX members_subject ON members (user_subject) WHERE left_on IS NULL;
