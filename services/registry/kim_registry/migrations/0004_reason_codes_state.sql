-- Reason codes: events carry a code from a closed list; the words staff typed stay here,
-- shown to authorised roles only. Old rows keep their text and have no code.
ALTER TABLE kim_status_history ADD COLUMN reason_code text CHECK (reason_code IN (
    'memenuhi_syarat', 'tidak_ada_kegiatan', 'pengurus_tidak_lengkap', 'permintaan_pengurus',
    'digabung', 'perubahan_wilayah', 'pelanggaran_aturan', 'usulan_ditolak', 'lainnya'));
ALTER TABLE members ADD COLUMN left_reason_code text CHECK (left_reason_code IN (
    'masa_jabatan_berakhir', 'mengundurkan_diri', 'pindah_domisili', 'meninggal_dunia',
    'diberhentikan', 'kim_dibubarkan', 'lainnya'));

-- Revision of the KIM's snapshot on the compacted kim.registry.kim_state.v1 topic.
ALTER TABLE kim ADD COLUMN state_revision bigint NOT NULL DEFAULT 0;

-- The public directory filters a region subtree by a byte-wise range and pages by
-- (village_code, id): one index in the "C" collation serves the range, the order and
-- the keyset condition (the default-opclass kim_village index can do none of them for
-- a range under a non-C collation).
CREATE INDEX kim_directory ON kim (village_code COLLATE "C", id);
