"""Request and response bodies of the order API. Totals are never accepted from the client:
an unknown field such as ``total_rupiah`` is a 422."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kim_marketplace.orders.domain import Fulfilment, OrderStatus, Party
from kim_shared.text import Text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BuyerContact(_Strict):
    """Stays in marketplace, shown to the buyer and the seller side only."""

    name: Annotated[str, Text(2, 100)]
    phone: Annotated[str, Text(6, 30)]


class ItemRequest(_Strict):
    product_id: UUID
    quantity: StrictInt = Field(ge=1, le=1000)


class PlaceOrder(_Strict):
    buyer: BuyerContact
    items: list[ItemRequest] = Field(min_length=1, max_length=50)
    fulfilment: Fulfilment
    note: Annotated[str, Text(1, 1000, multiline=True)] | None = Field(
        default=None, description="Pickup time or delivery address and wishes."
    )


class ItemView(BaseModel):
    product_id: UUID
    name: str
    unit_price_rupiah: int = Field(description="After the discount at placement.")
    quantity: int
    line_total_rupiah: int


class OrderView(BaseModel):
    id: UUID
    seller_id: UUID
    buyer: BuyerContact
    items: list[ItemView]
    fulfilment: Fulfilment
    note: str | None
    total_rupiah: int
    total_text: str
    status: OrderStatus
    cancelled_by: Party | None
    expires_at: datetime
    confirmed_at: datetime | None
    fulfilled_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    version: int
    placed_at: datetime
    updated_at: datetime


class AskQuestion(_Strict):
    kind: Literal["question"]
    question: Annotated[str, Text(5, 1000, multiline=True)]


class WhatsAppHandOff(_Strict):
    kind: Literal["whatsapp"]


Inquiry = Annotated[AskQuestion | WhatsAppHandOff, Field(discriminator="kind")]


class InquiryView(BaseModel):
    id: UUID
    product_id: UUID
    kind: Literal["question", "whatsapp"]
    whatsapp_url: str | None = Field(
        description="wa.me link to the seller with a template message (hand-offs only)."
    )


class InquiryCounts(BaseModel):
    product_id: UUID
    questions: int
    whatsapp: int
    total: int
