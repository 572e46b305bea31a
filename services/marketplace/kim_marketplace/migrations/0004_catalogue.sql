-- The public catalogue: search columns of live listings and the indexes of its reads.
-- search_document is filled by the service (Sastrawi-stemmed name, description and category,
-- 'simple' configuration: PostgreSQL has no Indonesian stemmer) whenever a listing goes live
-- or a live listing changes; search_name is the name in lower case, for trigram matching of
-- misspellings. Listings live before this migration get an unstemmed document here.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE products
    ADD COLUMN search_document tsvector,
    ADD COLUMN search_name     text;

UPDATE products
SET search_document = to_tsvector('simple',
        name || ' ' || description || ' ' || replace(category, '_', ' ')),
    search_name = lower(name)
WHERE status = 'live';

CREATE INDEX products_live ON products (published_at DESC, id DESC) WHERE status = 'live';
CREATE INDEX products_live_search ON products USING gin (search_document)
    WHERE status = 'live';
CREATE INDEX products_live_name ON products USING gin (search_name gin_trgm_ops)
    WHERE status = 'live';
CREATE INDEX sellers_village ON sellers (village_code text_pattern_ops);
