-- Products of UMKM sellers. A product is its own listing: it goes live only after content's
-- moderation approved its current revision. Text and photo changes make a new revision that
-- is screened again; price and stock changes do not.

CREATE TABLE products (
    id               uuid PRIMARY KEY,
    seller_id        uuid NOT NULL REFERENCES sellers (id),
    name             text NOT NULL,
    description      text NOT NULL,
    category         text NOT NULL,
    price_rupiah     bigint NOT NULL CHECK (price_rupiah > 0),
    unit             text NOT NULL,
    discount_kind    text CHECK (discount_kind IN ('percent', 'amount')),
    discount_value   bigint CHECK (discount_value >= 0),
    stock            integer NOT NULL CHECK (stock >= 0),
    photo_urls       text[] NOT NULL DEFAULT '{}',
    weight_grams     integer CHECK (weight_grams > 0),
    needs_pirt       boolean NOT NULL DEFAULT false,
    needs_halal      boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN
                     ('draft', 'in_review', 'live', 'rejected')),
    revision         integer NOT NULL DEFAULT 1,   -- of the text and photos
    live_revision    integer,                      -- the revision moderation approved last
    reason_code      text,                         -- of the last rejection, shown to the seller
    published_at     timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((discount_kind IS NULL) = (discount_value IS NULL)),
    CHECK (discount_kind <> 'percent' OR discount_value <= 100),
    CHECK (discount_kind <> 'amount' OR discount_value <= price_rupiah)
);

CREATE INDEX products_seller ON products (seller_id, created_at DESC, id);
