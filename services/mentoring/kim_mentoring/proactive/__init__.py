"""Proactive mentoring rules: help that reaches a KIM before it asks, from events."""
