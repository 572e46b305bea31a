-- Orders for live listings of one seller, and buyers' inquiries about products. The buyer's
-- name and phone stay here (never in an event). Stock is reserved at placement with a
-- conditional UPDATE of products; a cancelled or expired order gives it back once, guarded
-- by the conditional status change of the order.

CREATE TABLE orders (
    id                uuid PRIMARY KEY,
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    buyer_subject     text NOT NULL,
    buyer_name        text NOT NULL,
    buyer_phone       text NOT NULL,              -- E.164
    fulfilment        text NOT NULL CHECK (fulfilment IN ('pickup', 'delivery')),
    note              text,
    total_rupiah      bigint NOT NULL CHECK (total_rupiah >= 0),
    status            text NOT NULL DEFAULT 'placed' CHECK (status IN
                      ('placed', 'confirmed', 'ready', 'shipped', 'completed', 'cancelled',
                       'expired')),
    cancelled_by      text CHECK (cancelled_by IN ('buyer', 'seller')),
    expires_at        timestamptz NOT NULL,
    confirmed_at      timestamptz,
    fulfilled_at      timestamptz,
    completed_at      timestamptz,
    closed_at         timestamptz,                -- cancelled or expired
    version           integer NOT NULL DEFAULT 1,
    placed_at         timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX orders_seller ON orders (seller_id, placed_at DESC, id);
CREATE INDEX orders_buyer ON orders (buyer_subject, placed_at DESC, id);
CREATE INDEX orders_due ON orders (expires_at) WHERE status = 'placed';

CREATE TABLE order_items (
    order_id           uuid NOT NULL REFERENCES orders (id),
    product_id         uuid NOT NULL REFERENCES products (id),
    name               text NOT NULL,             -- as listed at placement
    unit_price_rupiah  bigint NOT NULL CHECK (unit_price_rupiah >= 0),   -- after discount
    quantity           integer NOT NULL CHECK (quantity >= 1),
    line_total_rupiah  bigint NOT NULL CHECK (line_total_rupiah = unit_price_rupiah * quantity),
    PRIMARY KEY (order_id, product_id)
);

CREATE INDEX order_items_product ON order_items (product_id);

CREATE TABLE inquiries (
    id               uuid PRIMARY KEY,
    product_id       uuid NOT NULL REFERENCES products (id),
    kind             text NOT NULL CHECK (kind IN ('question', 'whatsapp')),
    asker_subject    text,
    question         text,
    created_at       timestamptz NOT NULL,
    CHECK ((kind = 'question') = (question IS NOT NULL))
);

CREATE INDEX inquiries_product ON inquiries (product_id, kind);
