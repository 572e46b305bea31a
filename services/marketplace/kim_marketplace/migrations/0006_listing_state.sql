-- The sequence of the last listing_state record staged for a product (DESIGN §3).

ALTER TABLE products ADD COLUMN state_sequence integer NOT NULL DEFAULT 0;
