"""Pure rules about products: discounts and what needs screening again (no I/O)."""

from __future__ import annotations

from typing import Literal

from kim_shared.errors import Invalid

DiscountKind = Literal["percent", "amount"]
Status = Literal["draft", "in_review", "live", "rejected"]
Unit = Literal["pcs", "kg", "gram", "liter", "pack", "botol", "toples", "lusin", "porsi", "set"]
ProductCategory = Literal[
    "makanan",
    "minuman",
    "kerajinan",
    "batik_tenun",
    "fashion",
    "pertanian",
    "perikanan",
    "oleh_oleh",
    "jasa",
    "lainnya",
]


def check_discount(price: int, kind: DiscountKind | None, value: int | None) -> None:
    """A discount never takes the price below zero: at most 100 % or the price itself."""
    if kind is None or value is None:
        return
    if kind == "percent" and value > 100:
        raise Invalid("A percent discount is at most 100.", field="body.discount.value")
    if kind == "amount" and value > price:
        raise Invalid("A discount amount cannot be above the price.", field="body.discount.value")


def final_price(price: int, kind: DiscountKind | None, value: int | None) -> int:
    """The price after the discount, in whole Rupiah (a percent discount rounds down)."""
    if kind == "percent" and value is not None:
        return price - price * value // 100
    if kind == "amount" and value is not None:
        return price - value
    return price
