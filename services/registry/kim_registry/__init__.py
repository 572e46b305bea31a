"""KIM Platform registry service.

Source of truth for Kemendagri regions, KIM groups, pengurus and anggota, evaluations,
targets and coverage.
"""
