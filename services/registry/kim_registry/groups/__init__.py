"""KIM groups: formation, lifecycle, profile, pengurus and anggota, per-kabupaten rules."""
