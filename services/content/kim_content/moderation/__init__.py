"""Moderation: cases with deadlines, the per-kabupaten queue, claims, decisions, reader
reports, appeals, and the screening policy (rules and watched words) of each kabupaten."""
