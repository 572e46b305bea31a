-- Projection of every KIM's state (kim.registry.kim_state.v1, compacted; key = KIM id):
-- status, village, kecamatan, kabupaten and the current roster (member ids, positions,
-- login subjects, terms; never personal data). A dissolved KIM keeps its last state.
--
-- Monotonic by revision: the registry numbers every snapshot of a KIM (1, 2, …); a row is
-- replaced only by a higher revision, and its roster with it (see apply.py).
CREATE TABLE kim_projection (
    kim_id          uuid PRIMARY KEY,
    revision        bigint NOT NULL CHECK (revision >= 1),
    name            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('calon', 'aktif', 'tidak_aktif', 'dibubarkan')),
    village_code    text NOT NULL,
    kecamatan_code  text NOT NULL,
    kabupaten_code  text NOT NULL,
    founded_on      date
);

CREATE INDEX kim_projection_village ON kim_projection (village_code, status);
CREATE INDEX kim_projection_kecamatan ON kim_projection (kecamatan_code, status);
CREATE INDEX kim_projection_kabupaten ON kim_projection (kabupaten_code, status);

-- The roster of the revision kim_projection holds: one row per current membership.
CREATE TABLE kim_member_projection (
    kim_id        uuid NOT NULL REFERENCES kim_projection (kim_id) ON DELETE CASCADE,
    member_id     uuid NOT NULL,
    position      text NOT NULL
                  CHECK (position IN ('ketua', 'wakil_ketua', 'sekretaris', 'bendahara', 'anggota')),
    user_subject  text,
    term_start    date NOT NULL,
    term_end      date,
    PRIMARY KEY (kim_id, member_id)
);

CREATE INDEX kim_member_projection_member ON kim_member_projection (member_id);
CREATE INDEX kim_member_projection_subject ON kim_member_projection (user_subject)
    WHERE user_subject IS NOT NULL;
