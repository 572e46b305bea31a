"""Request and response models of coverage and targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kim_shared.dates import IsoDate
from kim_shared.text import Text

Label = Annotated[str, Text(3, 200)]
AreaCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{2}(\.\d{2})?)?$")]


class TargetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    region_code: AreaCode = Field(
        description="A provinsi (admin_provinsi), kabupaten/kota or kecamatan in your scope."
    )
    label: Label = Field(examples=["Satu KIM di setiap kecamatan"])
    due_on: IsoDate
    villages_target: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="Villages with an active KIM to reach; null: every desa and kelurahan.",
    )
    per_kecamatan: bool = Field(
        default=False,
        description="Ask villages_target of each kecamatan below a provinsi or kabupaten "
        "(e.g. 1: one KIM in every kecamatan).",
    )


class Target(BaseModel):
    id: UUID
    region_code: str
    label: str
    due_on: date
    villages_target: int | None
    per_kecamatan: bool
    created_at: datetime


class TargetList(BaseModel):
    region_code: str
    targets: list[Target]


class AppliedTarget(BaseModel):
    id: UUID
    region_code: str = Field(description="Where the target was set (an ancestor when inherited).")
    label: str
    due_on: date
    villages_target: int | None
    per_kecamatan: bool
    villages: int = Field(description="The goal for this row: villages to cover.")
    overdue: bool


class KimAtVillage(BaseModel):
    id: UUID
    name: str
    status: str


class CoverageRow(BaseModel):
    code: str
    name: str
    type: str
    villages: int = Field(description="Active desa and kelurahan.")
    kelurahan: int
    villages_with_active_kim: int
    percent: float
    kecamatan: int | None = Field(
        default=None, description="Kecamatan below (provinsi and kabupaten rows only)."
    )
    kecamatan_with_active_kim: int | None = None
    target: AppliedTarget | None = None
    gap: int | None = Field(default=None, description="Goal - covered (≥ 0); null: no target.")
    has_active_kim: bool | None = Field(default=None, description="Village rows only.")
    kim: list[KimAtVillage] | None = Field(
        default=None, description="Village rows only: its KIM that are not dissolved."
    )


class RegionRef(BaseModel):
    code: str
    name: str
    type: str
    level: int


class Coverage(BaseModel):
    region: RegionRef
    as_of: date = Field(description="Today (WIB): the date targets are chosen for.")
    rows_are: Literal["kabupaten", "kecamatan", "village"]
    only_empty: bool
    totals: CoverageRow
    empty_rows: int = Field(description="Rows without a village with an active KIM.")
    rows: list[CoverageRow]
