"""Targets and coverage: where KIM exist, which kecamatan are still empty, gaps to target."""
