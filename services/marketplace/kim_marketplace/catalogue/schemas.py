"""Public responses of the catalogue: no owner name, phone or address."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

REGION_CODE = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
Badge = Literal["nib", "pirt", "halal", "bpom"]


class PublicDiscount(BaseModel):
    kind: Literal["percent", "amount"]
    value: int


class PublicVillage(BaseModel):
    code: str
    name: str | None = None
    type: str | None = None


class PublicBusiness(BaseModel):
    """The seller as a business: its name and village; the owner stays private."""

    id: UUID
    name: str
    village: PublicVillage


class PublicProduct(BaseModel):
    id: UUID
    name: str
    description: str
    category: str
    unit: str
    price_rupiah: int
    price_text: str = Field(description="The price written out (lokal.rupiah), e.g. Rp15.000.")
    discount: PublicDiscount | None = None
    final_price_rupiah: int = Field(description="What a buyer pays, after the discount.")
    final_price_text: str
    in_stock: bool
    photo_urls: list[str]
    weight_grams: int | None = None
    business: PublicBusiness
    badges: list[Badge] = Field(description="Licences an operator verified that have not expired.")
    published_at: datetime
    score: float | None = Field(default=None, description="Search relevance (search only).")


class CataloguePage(BaseModel):
    items: list[PublicProduct]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; absent on the last."
    )
