"""Request and response models of the activity and evaluation API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kim_registry.evaluation.domain import ActivityKind, Band, Criterion
from kim_shared.dates import IsoDate
from kim_shared.text import Text

KabupatenCode = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- activity ---------------------------------------------------------------------------


class KimActivity(BaseModel):
    kim_id: UUID
    name: str
    village_code: str
    status: str
    active_since: datetime = Field(
        description="Latest change to aktif, else founding date, else registration time."
    )
    last_activity_at: datetime | None = Field(
        description="Latest fact counted as activity (rejected articles are not)."
    )
    idle_days: int = Field(description="Whole days since the later of the two dates above.")
    dormant_suggested: bool = Field(
        description="aktif and idle for at least dormant_after_days: a suggestion to review the "
        "KIM's status, never applied automatically."
    )
    recent: dict[str, int] = Field(
        description="Facts per activity kind in the last window_days (kinds with none omitted)."
    )


class ActivityReport(BaseModel):
    kabupaten_code: str
    dormant_after_days: int
    window_days: int
    as_of: datetime
    kim: list[KimActivity]


class KimActivityDetail(KimActivity):
    kabupaten_code: str
    dormant_after_days: int
    window_days: int
    as_of: datetime


# --- evaluation periods -------------------------------------------------------------------


class CriterionIn(_In):
    key: str = Field(min_length=2, max_length=40, examples=["administrasi"])
    label: str = Field(min_length=3, max_length=150)
    weight: int = Field(ge=1, le=100, description="Whole number; all weights add up to 100.")
    source: Literal["jury", "auto"]
    metrics: list[ActivityKind] = Field(
        default_factory=list, max_length=6, description="auto only: activity kinds counted."
    )
    target: int | None = Field(
        default=None, ge=1, le=1_000_000, description="auto only: count that earns 100 points."
    )

    def domain(self) -> Criterion:
        return Criterion(
            key=self.key,
            label=self.label,
            weight=self.weight,
            source=self.source,
            metrics=tuple(self.metrics),
            target=self.target,
        )


class BandIn(_In):
    band: str = Field(min_length=2, max_length=40, examples=["mandiri"])
    min_score: float = Field(ge=0, le=100)

    def domain(self) -> Band:
        return Band(band=self.band, min_score=self.min_score)


class PeriodCreate(_In):
    kabupaten_code: KabupatenCode
    name: Annotated[str, Text(3, 150)]
    starts_on: IsoDate
    ends_on: IsoDate
    criteria: list[CriterionIn] | None = Field(
        default=None, max_length=30, description="Omitted: the default lomba KIM template."
    )
    bands: list[BandIn] | None = Field(
        default=None, max_length=10, description="Omitted: mandiri/maju/berkembang/tumbuh."
    )


class CriterionOut(BaseModel):
    key: str
    label: str
    weight: int
    source: Literal["jury", "auto"]
    metrics: list[str]
    target: int | None


class BandOut(BaseModel):
    band: str
    min_score: float


class Period(BaseModel):
    id: UUID
    kabupaten_code: str
    name: str
    starts_on: date
    ends_on: date
    criteria: list[CriterionOut]
    bands: list[BandOut]
    status: Literal["open", "finalized"]
    version: int
    created_at: datetime
    finalized_at: datetime | None


class PeriodList(BaseModel):
    periods: list[Period]


class Template(BaseModel):
    criteria: list[CriterionOut]
    bands: list[BandOut]


# --- jury scores and results ---------------------------------------------------------------


class ScoresPut(_In):
    scores: dict[str, float] = Field(
        max_length=30, description="Jury criterion key → score 0-100; replaces the sheet."
    )
    notes: dict[str, Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=dict, max_length=30
    )


class ScoreSheet(BaseModel):
    period_id: UUID
    kim_id: UUID
    version: int = Field(description='0: not scored yet (send If-Match: "0" to create).')
    scores: dict[str, float]
    notes: dict[str, str]
    jury_missing: list[str]


class ResultRow(BaseModel):
    rank: int
    kim_id: UUID
    name: str
    village_code: str
    score: float
    band: str
    breakdown: dict[str, float]
    metrics: dict[str, int]
    jury_missing: list[str] = Field(description="Jury criteria without a score (counted as 0).")


class Results(BaseModel):
    period: Period
    results: list[ResultRow]


class FinalizeOutcome(BaseModel):
    period: Period
    evaluated: int
    results: list[ResultRow]


class PublicEvaluation(BaseModel):
    period_id: UUID
    period_name: str
    starts_on: date
    ends_on: date
    score: float
    band: str


class PublicEvaluations(BaseModel):
    kim_id: UUID
    evaluations: list[PublicEvaluation]


def period_from_row(row: asyncpg.Record) -> Period:
    return Period.model_validate(
        {
            **dict(row),
            "criteria": [Criterion.from_json(c).as_json() for c in row["criteria"]],
            "bands": [Band.from_json(b).as_json() for b in row["bands"]],
        }
    )
