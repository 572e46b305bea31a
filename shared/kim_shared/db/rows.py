"""Typed rows: a frozen dataclass per row shape, filled in one place (STYLE §2)."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, TypeVar

import asyncpg

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row", bound="DataclassInstance")


def from_record(cls: type[Row], r: asyncpg.Record) -> Row:
    """The row dataclass ``cls`` filled from the record's columns of the same names."""
    return cls(**{f.name: r[f.name] for f in fields(cls)})
