"""Consumers of the registry (filled in by the evaluation work)."""

from __future__ import annotations

from kim_shared.service import ConsumerSpec

CONSUMERS: tuple[ConsumerSpec, ...] = ()
