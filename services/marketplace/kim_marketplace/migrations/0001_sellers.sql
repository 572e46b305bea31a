-- UMKM sellers (pelaku UMKM) and the licences they declare, each verified by an operator of
-- the seller's kabupaten. Owner name, address and WhatsApp number are personal data: they
-- stay in this service and never appear in an event.

CREATE TABLE sellers (
    id                 uuid PRIMARY KEY,
    owner_subject      text NOT NULL UNIQUE,        -- the pelaku_umkm login that owns it
    business_name      text NOT NULL,
    owner_name         text NOT NULL,
    village_code       text NOT NULL,
    kecamatan_code     text NOT NULL,
    kabupaten_code     text NOT NULL,
    address            text NOT NULL,
    whatsapp           text NOT NULL,               -- E.164 (+62…)
    kim_id             uuid,                        -- the assisting KIM, if any
    business_category  text NOT NULL CHECK (business_category IN
                       ('makanan_minuman', 'kerajinan', 'fashion', 'pertanian', 'perikanan',
                        'jasa', 'lainnya')),
    state_revision     integer NOT NULL DEFAULT 0,  -- of the last seller_state record staged
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

CREATE INDEX sellers_kabupaten ON sellers (kabupaten_code, created_at DESC, id);
CREATE INDEX sellers_kim ON sellers (kim_id) WHERE kim_id IS NOT NULL;

CREATE TABLE seller_licences (
    seller_id    uuid NOT NULL REFERENCES sellers (id) ON DELETE CASCADE,
    document     text NOT NULL CHECK (document IN ('nib', 'pirt', 'halal', 'bpom')),
    number       text NOT NULL,
    expires_on   date,
    status       text NOT NULL DEFAULT 'belum_diverifikasi' CHECK (status IN
                 ('belum_diverifikasi', 'terverifikasi', 'ditolak', 'kedaluwarsa')),
    note         text,                               -- the operator's note, for the seller only
    verified_by  text,
    verified_at  timestamptz,
    PRIMARY KEY (seller_id, document),
    CHECK (document <> 'nib' OR number ~ '^[0-9]{13}$'),
    CHECK (document <> 'halal' OR expires_on IS NOT NULL)
);
