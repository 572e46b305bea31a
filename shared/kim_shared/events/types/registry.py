"""Events published by the registry service."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_shared.events.base import Event
from kim_shared.events.topics import (
    REGISTRY_EVALUATION,
    REGISTRY_KIM,
    REGISTRY_KIM_STATE,
    REGISTRY_REGION,
    TopicSpec,
)

RegionType = Literal[
    "provinsi", "kabupaten", "kota", "kecamatan", "distrik", "desa", "kelurahan", "desa_adat"
]
KimStatus = Literal["calon", "aktif", "tidak_aktif", "dibubarkan"]
Position = Literal["ketua", "wakil_ketua", "sekretaris", "bendahara", "anggota"]

StatusReason = Literal[
    "memenuhi_syarat",
    "tidak_ada_kegiatan",
    "pengurus_tidak_lengkap",
    "permintaan_pengurus",
    "digabung",
    "perubahan_wilayah",
    "pelanggaran_aturan",
    "usulan_ditolak",
    "lainnya",
]
"""Why a KIM changed status (a closed list: the words staff typed stay in the registry).

``memenuhi_syarat`` requirements met (activation), ``tidak_ada_kegiatan`` no activity,
``pengurus_tidak_lengkap`` officers incomplete, ``permintaan_pengurus`` at the officers'
request, ``digabung`` merged into another KIM, ``perubahan_wilayah`` the village changed
(pemekaran, merger), ``pelanggaran_aturan`` rules broken, ``usulan_ditolak`` the proposal
was rejected, ``lainnya`` other."""

LeaveReason = Literal[
    "masa_jabatan_berakhir",
    "mengundurkan_diri",
    "pindah_domisili",
    "meninggal_dunia",
    "diberhentikan",
    "kim_dibubarkan",
    "lainnya",
]
"""Why a membership ended: term over, resigned, moved away, died, dismissed, the KIM was
dissolved, other (a closed list; the words staff typed stay in the registry)."""


class RegionChanged(Event):
    """Snapshot of one Kemendagri region (compacted topic: the latest per code wins)."""

    event_type: ClassVar[str] = "kim.registry.region.changed.v1"
    topic: ClassVar[TopicSpec] = REGISTRY_REGION
    subject_field: ClassVar[str] = "code"

    code: str = Field(pattern=r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
    parent_code: str | None
    level: int = Field(ge=1, le=4)
    type: RegionType
    name: str
    postal_code: str | None = None
    active: bool = True


class _KimEvent(Event):
    topic: ClassVar[TopicSpec] = REGISTRY_KIM
    subject_field: ClassVar[str] = "kim_id"

    kim_id: UUID


class KimFormed(_KimEvent):
    """A KIM was proposed (status ``calon``) for a desa/kelurahan."""

    event_type: ClassVar[str] = "kim.registry.kim.formed.v1"

    name: str
    village_code: str
    kabupaten_code: str
    founded_on: date | None = None
    status: KimStatus = "calon"
    formed_by: str


class KimStatusChanged(_KimEvent):
    """A KIM moved in its lifecycle (calon → aktif → tidak_aktif → dibubarkan)."""

    event_type: ClassVar[str] = "kim.registry.kim.status_changed.v1"

    village_code: str
    kabupaten_code: str
    from_status: KimStatus
    to_status: KimStatus
    reason: str | None = Field(
        default=None,
        description="Deprecated: always null. Free text stays in the registry; see reason_code.",
    )
    changed_by: str
    changed_at: datetime
    reason_code: StatusReason | None = None


class KimProfileUpdated(_KimEvent):
    """Public profile fields of a KIM changed (name, links, SK data, KIM.id number)."""

    event_type: ClassVar[str] = "kim.registry.kim.profile_updated.v1"

    name: str
    village_code: str
    kabupaten_code: str
    changed_fields: list[str]
    version: int


class MemberJoined(_KimEvent):
    """A person became pengurus or anggota of a KIM (by id and role only)."""

    event_type: ClassVar[str] = "kim.registry.kim.member_joined.v1"

    member_id: UUID
    position: Position
    user_subject: str | None = None
    term_start: date
    term_end: date | None = None


class MemberChanged(_KimEvent):
    """A member's position, term, login subject or personal data (named only) changed."""

    event_type: ClassVar[str] = "kim.registry.kim.member_changed.v1"

    member_id: UUID
    position: Position
    user_subject: str | None = None
    term_start: date
    term_end: date | None = None
    changed_fields: list[str] = Field(default_factory=list)
    """Names of the fields that changed (personal ones too, by name only: never values)."""


class MemberLeft(_KimEvent):
    """A member's term ended or they were removed."""

    event_type: ClassVar[str] = "kim.registry.kim.member_left.v1"

    member_id: UUID
    position: Position
    user_subject: str | None = None
    left_on: date
    reason: str | None = Field(
        default=None,
        description="Deprecated: always null. Free text stays in the registry; see reason_code.",
    )
    reason_code: LeaveReason | None = None


class RosterEntry(BaseModel):
    """One current membership in a KIM's state: ids, position and term, never personal data."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    member_id: UUID
    position: Position
    user_subject: str | None = None
    term_start: date
    term_end: date | None = None


class KimStateChanged(Event):
    """The whole current state of one KIM (compacted state topic: the latest per KIM wins).

    Published with every change of the KIM or its memberships, in the same transaction.
    ``revision`` grows with every snapshot of the KIM: a projection keeps the highest it
    has seen and ignores older ones (a replayed dead letter, say). A dissolved KIM keeps
    its last snapshot (status ``dibubarkan``, empty roster) forever.
    """

    event_type: ClassVar[str] = "kim.registry.kim_state.changed.v1"
    topic: ClassVar[TopicSpec] = REGISTRY_KIM_STATE
    subject_field: ClassVar[str] = "kim_id"

    kim_id: UUID
    revision: int = Field(ge=1)
    name: str
    status: KimStatus
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    founded_on: date | None = None
    roster: list[RosterEntry] = Field(
        default_factory=list, description="Current memberships (not ended), officers first."
    )
    changed_at: datetime


class KimEvaluated(Event):
    """A KIM's evaluation for a period was finalized: score (0-100) and band."""

    event_type: ClassVar[str] = "kim.registry.evaluation.published.v1"
    topic: ClassVar[TopicSpec] = REGISTRY_EVALUATION
    subject_field: ClassVar[str] = "kim_id"

    kim_id: UUID
    period_id: UUID
    kabupaten_code: str
    score: float = Field(ge=0, le=100)
    band: str
    criteria: dict[str, float]  # criterion key → score 0-100
    period_ends_on: date | None = None
    bands: list[str] = Field(
        default_factory=list, description="The period's bands, highest first (to rank `band`)."
    )


REGISTRY_EVENTS: tuple[type[Event], ...] = (
    RegionChanged,
    KimStateChanged,
    KimFormed,
    KimStatusChanged,
    KimProfileUpdated,
    MemberJoined,
    MemberChanged,
    MemberLeft,
    KimEvaluated,
)
