"""Request and response bodies of the seller API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_marketplace.sellers.domain import BusinessCategory, OperatorVerdict
from kim_shared.events.types.marketplace import DocumentKind, VerificationStatus
from kim_shared.text import Text

VILLAGE_PATTERN = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"

Name = Annotated[str, Text(2, 150)]
LicenceNumber = Annotated[str, Text(3, 60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Halal(_Strict):
    number: LicenceNumber
    expires_on: date = Field(description="The certificate's expiry; the badge turns off after.")


class SellerProfile(_Strict):
    """Everything a seller (or an officer of its assisting KIM) states about the business."""

    business_name: Name
    owner_name: Name = Field(description="Personal data: shown only to who manages the seller.")
    village_code: str = Field(pattern=VILLAGE_PATTERN)
    address: Annotated[str, Text(5, 300)] = Field(description="Personal data, as owner_name.")
    whatsapp: str = Field(
        min_length=6, max_length=30, description="Any common writing; stored as +62…"
    )
    kim_id: UUID | None = Field(default=None, description="The KIM that assists the seller.")
    business_category: BusinessCategory
    nib: str | None = Field(
        default=None, pattern=r"^\d{13}$", description="Nomor Induk Berusaha: 13 digits."
    )
    pirt: LicenceNumber | None = Field(default=None, description="SPP-IRT/PIRT number.")
    halal: Halal | None = None
    bpom: LicenceNumber | None = Field(default=None, description="BPOM registration number.")


class Verification(_Strict):
    """An operator's verdict about one licence the seller declared."""

    document: DocumentKind
    status: OperatorVerdict
    note: Annotated[str, Text(1, 1000, multiline=True)] | None = Field(
        default=None, description="Shown to the seller; never published."
    )


class LicenceView(BaseModel):
    document: DocumentKind
    number: str
    expires_on: date | None
    status: VerificationStatus
    note: str | None
    verified_at: datetime | None


class SellerView(BaseModel):
    id: UUID
    business_name: str
    owner_name: str
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    address: str
    whatsapp: str
    whatsapp_link: str
    kim_id: UUID | None
    business_category: BusinessCategory
    licences: list[LicenceView]
    version: int
    created_at: datetime
    updated_at: datetime


class SellerSummary(BaseModel):
    """A seller in a list: the business and its verified licences, never the owner's
    personal data (read one seller for that)."""

    id: UUID
    business_name: str
    village_code: str
    village_name: str | None
    kecamatan_code: str
    kabupaten_code: str
    kim_id: UUID | None = Field(description="The KIM that assists the seller.")
    business_category: BusinessCategory
    badges: list[DocumentKind] = Field(
        description="Licences an operator verified that have not expired."
    )
    verified: bool = Field(description="Its NIB is verified and valid.")
    created_at: datetime


class SellerPage(BaseModel):
    items: list[SellerSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; absent on the last."
    )
