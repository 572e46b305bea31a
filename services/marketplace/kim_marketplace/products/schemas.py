"""Request and response bodies of the product API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StrictInt

from kim_marketplace.products.domain import DiscountKind, ProductCategory, Status, Unit
from kim_shared.text import Text


def _https_only(url: HttpUrl) -> HttpUrl:
    if url.scheme != "https":
        raise ValueError("must be an https:// address")
    if url.username or url.password:
        raise ValueError("must not contain a user name or password")
    return url


PhotoUrl = Annotated[HttpUrl, AfterValidator(_https_only)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Discount(_Strict):
    kind: DiscountKind
    value: StrictInt = Field(ge=0, description="Percent (0 to 100) or Rupiah (at most the price).")


class ProductContent(_Strict):
    """Everything a seller states about a product. Name, description and photos are
    screened by moderation; price, discount and stock are not."""

    name: Annotated[str, Text(3, 150)]
    description: Annotated[str, Text(10, 5000, multiline=True)]
    category: ProductCategory
    price_rupiah: StrictInt = Field(gt=0, description="Whole Rupiah.")
    unit: Unit
    discount: Discount | None = None
    stock: StrictInt = Field(ge=0)
    photo_urls: list[PhotoUrl] = Field(default_factory=list)
    weight_grams: StrictInt | None = Field(default=None, gt=0)
    needs_pirt: bool = False
    needs_halal: bool = False


class ProductView(BaseModel):
    id: UUID
    seller_id: UUID
    name: str
    description: str
    category: ProductCategory
    price_rupiah: int
    price_text: str
    final_price_rupiah: int
    unit: Unit
    discount: Discount | None
    stock: int
    photo_urls: list[str]
    weight_grams: int | None
    needs_pirt: bool
    needs_halal: bool
    status: Status
    revision: int
    live_revision: int | None
    reason_code: str | None = Field(description="Why moderation rejected the last revision.")
    published_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
