"""UMKM sellers (and the KIM officers who assist them): a seller's products and the product
form, which keeps its draft on the device while offline like the article form."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis
from kim_portal.routes.public import CATEGORIES
from kim_portal.web.access import Seller, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import NotFound
from kim_portal.web.templating import render

router = APIRouter(prefix="/usaha", dependencies=[Depends(verify_csrf)])

UNITS = ("pcs", "kg", "gram", "liter", "pack", "botol", "toples", "lusin", "porsi", "set")
STATUS_LABELS = {
    "draft": "Draf",
    "in_review": "Ditinjau",
    "live": "Tayang",
    "rejected": "Ditolak",
}


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise NotFound() from exc


@router.get("")
async def products(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    penjual: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    listed = await apis.marketplace.products_of(_uuid(penjual), token) if penjual else None
    return render(
        request,
        "seller/products.html",
        {"seller_id": penjual, "products": listed, "statuses": STATUS_LABELS},
    )


def _form(
    request: Request, values: dict[str, Any], *, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "seller/product_form.html",
        {"values": values, "categories": CATEGORIES, "units": UNITS, **extra},
        status_code=status_code,
    )


@router.get("/produk/baru")
async def new_product(
    request: Request, user: Seller, penjual: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    values = {"draft_key": str(uuid.uuid4()), "seller_id": penjual, "unit": "pcs"}
    return _form(request, values)


@router.post("/produk")
async def add_product(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    seller_id: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=150)],
    description: Annotated[str, Form(max_length=5000)],
    category: Annotated[str, Form(max_length=20)],
    unit: Annotated[str, Form(max_length=10)],
    price_rupiah: Annotated[str, Form(max_length=12)],
    stock: Annotated[str, Form(max_length=9)],
    draft_key: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    """Add and submit the listing. The draft's key is the Idempotency-Key: the same form
    sent again gets the same product, submitted once."""
    values = {
        "seller_id": seller_id.strip(),
        "name": name.strip(),
        "description": description.strip(),
        "category": category,
        "unit": unit,
        "price_rupiah": price_rupiah.strip(),
        "stock": stock.strip(),
        "draft_key": draft_key,
    }
    if not values["price_rupiah"].isdigit() or not values["stock"].isdigit():
        return _form(
            request, values, status_code=422, error="Harga dan stok harus berupa angka bulat."
        )
    body = {
        "name": values["name"],
        "description": values["description"],
        "category": category,
        "unit": unit,
        "price_rupiah": int(values["price_rupiah"]),
        "stock": int(values["stock"]),
    }
    try:
        created = await apis.marketplace.add_product(
            _uuid(values["seller_id"]), body, token, draft_key
        )
        if created["status"] == "draft":
            await apis.marketplace.submit(created["id"], token)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return _form(
            request,
            values,
            status_code=problem.status,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/usaha?penjual={values['seller_id']}", status_code=303)
