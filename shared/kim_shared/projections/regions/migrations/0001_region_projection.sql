-- Projection of the registry's Kemendagri regions (kim.registry.region.v1, compacted; key =
-- region code). One row per region, as its latest snapshot said; retired regions stay, with
-- active = false. No foreign key to the parent: records of different partitions arrive in
-- any order.
--
-- Monotonic by source position: a key is always on the same partition (fixed partition
-- count, the key decides the partition), where offsets only grow and compaction never
-- reorders them; so the record with the higher offset is the newer snapshot. An upsert
-- applies only a record with a higher offset than the row holds (see apply.py).
CREATE TABLE region_projection (
    code              text PRIMARY KEY,
    parent_code       text,
    level             smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    type              text NOT NULL,
    name              text NOT NULL,
    postal_code       text,
    active            boolean NOT NULL,
    source_partition  integer NOT NULL,
    source_offset     bigint NOT NULL
);

CREATE INDEX region_projection_parent ON region_projection (parent_code);
