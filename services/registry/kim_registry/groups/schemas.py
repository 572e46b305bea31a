"""Request and response models of the groups API.

Requests forbid unknown fields and bound every text, so oversize or misspelt
input is a 422 before anything is written. Dates must be ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from kim_registry.groups.domain import MAX_REASON_CHARS
from kim_registry.groups.nik import NIK_PATTERN
from kim_shared.dates import IsoDate
from kim_shared.events.types.registry import KimStatus, LeaveReason, Position, StatusReason
from kim_shared.text import Text

KimName = Annotated[str, Text(3, 150)]
PersonName = Annotated[str, Text(2, 150)]
SkNumber = Annotated[str, Text(1, 100)]
LegalBasis = Annotated[str, Text(1, 300)]
ContactChannel = Annotated[str, Text(1, 200)]
KimIdNumber = Annotated[str, Text(1, 50)]
Note = Annotated[str, Text(1, MAX_REASON_CHARS, multiline=True)]
Subject = Annotated[str, Text(1, 200)]
_LINK = r"^https?://[^\s]+$"
Link = Annotated[
    str,
    Text(8, 300),
    Field(pattern=_LINK),
    # Written out: pydantic cannot render a pattern applied after Text's validator.
    WithJsonSchema({"type": "string", "minLength": 8, "maxLength": 300, "pattern": _LINK}),
]
VillageCode = Annotated[str, Field(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")]
SkIssuer = Literal["kepala_desa", "lurah", "camat", "diskominfo"]
Gender = Literal["L", "P"]
View = Literal["public", "pengelola", "staff"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_null(model: BaseModel, *names: str) -> None:
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


def _patch_schema(*required_stay: str) -> Callable[[dict[str, Any]], None]:
    """JSON schema of a patch as :func:`_not_null` and the non-empty rule validate it: at
    least one field, and no ``null`` for the fields that cannot be cleared."""

    def edit(schema: dict[str, Any]) -> None:
        schema["minProperties"] = 1
        for name in required_stay:
            prop = schema["properties"][name]
            kept = [s for s in prop.pop("anyOf") if s.get("type") != "null"]
            prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
            prop.pop("default", None)

    return edit


# --- KIM ------------------------------------------------------------------------------------


class KimCreate(_Request):
    name: KimName
    village_code: VillageCode = Field(description="Kemendagri code of the desa or kelurahan.")
    founded_on: IsoDate | None = None
    sk_number: SkNumber | None = Field(None, description="Number of the decree (SK) forming it.")
    sk_date: IsoDate | None = None
    sk_issuer: SkIssuer | None = None
    legal_basis: LegalBasis | None = Field(
        None, description="e.g. the number of a Surat Edaran Bupati."
    )
    contact_channel: ContactChannel | None = Field(
        None, description="How Diskominfo reaches the KIM; not shown to the public."
    )
    links: list[Link] = Field(default_factory=list, max_length=10)
    kim_id_number: KimIdNumber | None = Field(None, description="Number at KIM.id, if any.")


class KimPatch(_Request):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_patch_schema("name", "links"))

    name: KimName | None = None
    founded_on: IsoDate | None = None
    sk_number: SkNumber | None = None
    sk_date: IsoDate | None = None
    sk_issuer: SkIssuer | None = None
    legal_basis: LegalBasis | None = None
    contact_channel: ContactChannel | None = None
    links: list[Link] | None = Field(None, max_length=10)
    kim_id_number: KimIdNumber | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> KimPatch:
        _not_null(self, "name", "links")
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self


class StatusChange(_Request):
    to: KimStatus
    reason_code: StatusReason | None = Field(
        None,
        description="Why (required for tidak_aktif and dibubarkan); published in events.",
    )
    reason: Note | None = Field(
        None,
        description="A note in your words; kept in the registry for staff and the KIM's "
        "pengelola, never published.",
    )


class StatusEntry(BaseModel):
    from_status: KimStatus | None
    to_status: KimStatus
    reason_code: StatusReason | None
    reason: str | None
    changed_by: str
    changed_at: datetime


class KimSummary(BaseModel):
    """Public fields of a KIM (list items)."""

    id: UUID
    name: str
    status: KimStatus
    village_code: str
    village_name: str
    village_type: str
    kecamatan_code: str
    kecamatan_name: str
    kabupaten_code: str
    founded_on: date | None
    legal_basis: str | None
    links: list[str]
    kim_id_number: str | None


class KimProfile(KimSummary):
    """The public profile: no personal data, members only as counts."""

    view: View
    officer_positions_filled: list[Position]
    members_count: int


class KimDetail(KimProfile):
    """Staff of the KIM's region and its own pengelola see SK data, history and members."""

    sk_number: str | None
    sk_date: date | None
    sk_issuer: SkIssuer | None
    contact_channel: str | None
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    status_history: list[StatusEntry]
    members: list[MemberView]


class KimPage(BaseModel):
    items: list[KimSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# --- members ---------------------------------------------------------------------------------


class MemberCreate(_Request):
    full_name: PersonName
    nik: str = Field(
        min_length=1,
        max_length=32,
        description="16 digits; spaces, dots and dashes ignored.",
        json_schema_extra={"pattern": NIK_PATTERN},
    )
    phone: str | None = Field(None, min_length=1, max_length=30)
    gender: Gender | None = Field(None, description="Taken from the NIK when left out.")
    birth_year: StrictInt | None = Field(
        None, ge=1900, le=2100, description="Taken from the NIK when left out."
    )
    user_subject: Subject | None = Field(None, description="OIDC subject of the member's login.")
    position: Position
    term_start: IsoDate | None = Field(None, description="Defaults to today.")
    term_end: IsoDate | None = None
    appointment_sk_number: SkNumber | None = None
    appointment_sk_date: IsoDate | None = None


class MemberPatch(_Request):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_patch_schema("full_name", "nik", "position", "term_start"),
    )

    full_name: PersonName | None = None
    nik: str | None = Field(
        None, min_length=1, max_length=32, json_schema_extra={"pattern": NIK_PATTERN}
    )
    phone: str | None = Field(None, min_length=1, max_length=30)
    gender: Gender | None = None
    birth_year: StrictInt | None = Field(None, ge=1900, le=2100)
    user_subject: Subject | None = None
    position: Position | None = None
    term_start: IsoDate | None = None
    term_end: IsoDate | None = None
    appointment_sk_number: SkNumber | None = None
    appointment_sk_date: IsoDate | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> MemberPatch:
        _not_null(self, "full_name", "nik", "position", "term_start")
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self


class MemberEnd(_Request):
    left_on: IsoDate | None = Field(None, description="Defaults to today.")
    reason_code: LeaveReason | None = Field(None, description="Why; published in events.")
    reason: Note | None = Field(
        None, description="A note in your words; kept in the registry, never published."
    )


class MemberView(BaseModel):
    """A member as the caller may see it: ``nik`` is masked for the KIM's pengelola."""

    id: UUID
    kim_id: UUID
    full_name: str
    nik: str
    nik_masked: bool
    nik_region_known: bool | None = Field(
        description="Staff only: false when the NIK's kecamatan code is not in the current "
        "Kemendagri data (an old code, or a typo worth checking against the KTP)."
    )
    phone: str | None
    gender: Gender
    birth_year: int
    user_subject: str | None
    position: Position
    term_start: date
    term_end: date | None
    appointment_sk_number: str | None
    appointment_sk_date: date | None
    left_on: date | None
    left_reason_code: LeaveReason | None
    left_reason: str | None
    version: int


class MemberList(BaseModel):
    items: list[MemberView]


# --- rules -----------------------------------------------------------------------------------


class RulesPut(_Request):
    max_kim_per_village: StrictInt
    required_positions: list[str] = Field(max_length=10)
    min_members: StrictInt
    max_members: StrictInt
    dormant_after_days: StrictInt


class RulesView(BaseModel):
    kabupaten_code: str
    max_kim_per_village: int
    required_positions: list[Position]
    min_members: int
    max_members: int
    dormant_after_days: int
    version: int = Field(description="0 while the defaults apply (no rules saved yet).")
    is_default: bool
    updated_at: datetime | None
    updated_by: str | None


KimDetail.model_rebuild()
